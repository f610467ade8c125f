import { accessToken } from './api';

// The feed's server-sent events (GET /api/v1/feed/stream). EventSource cannot send a bearer token, so this reads the
// stream with fetch and parses the event lines itself; it reconnects with a fresh token when the stream closes.

export type StreamHandler = (event: string, data: unknown) => void;

export function openFeedStream(onEvent: StreamHandler, onState?: (live: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let delay = 1000;

  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const token = await accessToken();
        if (!token) return;
        const r = await fetch('/api/v1/feed/stream', {
          headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: controller.signal,
        });
        if (!r.ok || !r.body) throw new Error(`stream ${r.status}`);
        onState?.(true);
        delay = 1000;
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let name = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) name = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length === 0) continue;
            try { onEvent(name, JSON.parse(data.join('\n'))); } catch { /* a malformed event is skipped */ }
          }
        }
      } catch { /* reconnect below */ }
      onState?.(false);
      if (stopped) return;
      await new Promise(res => setTimeout(res, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }

  run();
  return () => { stopped = true; controller?.abort(); };
}
