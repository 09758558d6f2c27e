/**
 * Talking to Slack for the notify jobs, one file a job under `deliver/`: post a message once and
 * then only update it, post a thread reply once, upload a label PDF once, answer through a
 * response_url. Each function reports a
 * {@link DeliveryOutcome}; the job turns it into done, a delayed retry (a 429's Retry-After, a
 * message another job is busy with), a retry with backoff (5xx, network) or a permanent failure.
 *
 * Never posted twice: a message is posted only while its row has no `ts`, under a lease one job
 * holds at a time, and rendered from current state so updates converge. An attempt whose outcome is
 * unknown (5xx, timeout, crash) leaves the row marked uncertain; the next attempt first looks for
 * the message in the channel (each carries its subject in Slack message metadata) before posting.
 */
export {
  MESSAGE_METADATA_TYPE,
  classifySlackError,
  type DeliveryDeps,
  type DeliveryOutcome,
} from './deliver/shared.ts';
export { deliverMessage } from './deliver/message.ts';
export { deliverUpload } from './deliver/upload.ts';
export { deliverResponse } from './deliver/respond.ts';
