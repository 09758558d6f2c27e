import * as lots from '../../commands/lots.ts';
import { receiveSupplierScan } from '../../commands/receiving.ts';
import { route } from '../route.ts';
import { LedgerEntryOut, LotOut, ReceivedScanOut, SplitOut, pageOf } from '../schemas.ts';

const tag = 'Lots';
export const lotRoutes = [
  route({ method: 'get', path: '/lots', tag, command: lots.listLots, response: pageOf(LotOut) }),
  route({ method: 'post', path: '/lots', tag, command: lots.receiveStock, status: 201, response: LotOut }),
  route({
    method: 'post',
    path: '/lots/receive-scan',
    tag,
    command: receiveSupplierScan,
    status: 201,
    response: ReceivedScanOut,
  }),
  route({
    method: 'get',
    path: '/lots/{code}',
    tag,
    command: lots.getLot,
    response: LotOut,
    versioned: 'lots',
  }),
  route({ method: 'patch', path: '/lots/{code}', tag, command: lots.updateLot, response: LotOut }),
  route({ method: 'post', path: '/lots/{code}/move', tag, command: lots.moveLot, response: LotOut }),
  route({
    method: 'post',
    path: '/lots/{code}/split',
    tag,
    command: lots.splitLot,
    status: 201,
    response: SplitOut,
  }),
  route({ method: 'post', path: '/lots/{code}/adjust', tag, command: lots.adjustLot, response: LotOut }),
  route({
    method: 'post',
    path: '/lots/{code}/quarantine',
    tag,
    command: lots.quarantineLot,
    response: LotOut,
  }),
  route({ method: 'post', path: '/lots/{code}/release', tag, command: lots.releaseLot, response: LotOut }),
  route({
    method: 'get',
    path: '/lots/{code}/ledger',
    tag,
    command: lots.getLotLedger,
    response: pageOf(LedgerEntryOut),
  }),
];
