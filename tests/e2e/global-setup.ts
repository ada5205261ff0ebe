import { generateFixtures } from '../fixtures/generate';
import { buildIfStale } from '../../scripts/build-if-stale';

/** Before any browser starts: fresh fixtures (the fake mic reads them at launch) and a current build. */
export default function globalSetup(): void {
  generateFixtures(true);
  buildIfStale(process.cwd());
}
