// A Server-Sent Events reader for `callfs watch` (and tests): turns a response body into events
// with the fields the SSE format defines (event, data, id), ignoring comments (heartbeats).
// `lastEventId` follows the spec: it keeps the last id seen, also across events without one.

export interface SseEvent {
  event: string;
  data: string;
  /** The last event id seen so far (the resume point). */
  lastEventId: string;
}

export async function* readSse(
  body: AsyncIterable<Uint8Array>,
  lastEventId = '',
): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0 || event !== '') {
          yield { event: event || 'message', data: data.join('\n'), lastEventId };
        }
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    }
  }
}
