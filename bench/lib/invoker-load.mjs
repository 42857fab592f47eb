// Closed-loop load through createHttpInvoker: `connections` callers, each sending the same request again as
// soon as its answer arrives, for `seconds`. Resolves requests per second.
import { createHttpInvoker } from "@mlship/core";

export async function invokerLoad(url, request, { connections, seconds }) {
  const invoker = createHttpInvoker({ url, connections, retries: 0 });
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await invoker.invoke(request);
        done++;
      }
    }),
  );
  const perSecond = (done * 1000) / (performance.now() - start);
  await invoker.close();
  return perSecond;
}
