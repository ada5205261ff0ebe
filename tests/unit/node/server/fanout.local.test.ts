import { LocalFanout } from '../../../../src/node/server/fanout';
import { fanoutContract } from './fanout.contract';

fanoutContract('in-process', () => {
  const fanout = new LocalFanout();
  return Promise.resolve({
    fanout,
    cleanup: () => fanout.close(),
  });
});
