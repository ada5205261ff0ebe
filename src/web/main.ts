import './ui/sotto-app';
