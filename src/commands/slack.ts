/**
 * The Slack side of the use cases, by concern under `slack/`: requests that remember where in Slack
 * they came from, so the build's message, its completion reply and label PDFs go to that channel,
 * and the bookkeeping that makes every Slack message posted once and then only updated.
 *
 * A Slack message is a row in `slack_messages` keyed by what it represents (its subject); every
 * post or update is a `notify.*` job that renders from current state. One job at a time holds a
 * message's lease while it talks to Slack, so two jobs never both post it, and a rendering never
 * overtakes a newer one.
 */
export { slackSubjects, alertEndpoint, subjectParts, printSubject } from './slack/shared.ts';
export {
  getPrintRunForSlack,
  getPrintPause,
  getBuildPrinter,
  getPrinterPlaces,
  type PrintPause,
  type PrinterPlace,
} from './slack/print-runs.ts';
export { startBuildFromSlack } from './slack/start-build.ts';
export { requestLabelsFromSlack } from './slack/request-labels.ts';
export { slackAnswerJobId, slackRequest, queueSlackRequest, queueSlackResponse } from './slack/answers.ts';
export {
  recordSlackDeliveryFailure,
  leaseSlackMessage,
  releaseSlackMessage,
  queueBuildMessageUpdate,
} from './slack/messages.ts';
export { slackSubscriber } from './slack/subscriber.ts';
