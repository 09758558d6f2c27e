/** `notify.respond`: an answer through a response_url. */
import type { SlackAnswer } from '../presenters/format.ts';
import { SLACK_CALL_TIMEOUT_MS } from '../web-client.ts';
import type { DeliveryOutcome } from './shared.ts';

/** `notify.respond`: an answer to a command or button through its response_url. */
export async function deliverResponse(url: string, answer: SlackAnswer | object): Promise<DeliveryOutcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(answer),
      redirect: 'error',
      signal: AbortSignal.timeout(SLACK_CALL_TIMEOUT_MS),
    });
  } catch (error) {
    return { status: 'retry', error: `response_url: ${(error as Error).message}` };
  }
  const body = (await res.text().catch(() => '')).slice(0, 200);
  if (res.ok) return { status: 'done', detail: `answered ${res.status}` };
  if (res.status === 429) {
    const after = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
    return {
      status: 'retry',
      afterMs: (Number.isFinite(after) && after > 0 ? after : 1) * 1000,
      error: 'response_url: 429',
    };
  }
  if (res.status >= 500) return { status: 'retry', error: `response_url answered ${res.status} ${body}` };
  // 404 expired_url / used_url and other refusals: trying again cannot help.
  return { status: 'failed', error: `response_url answered ${res.status} ${body}` };
}
