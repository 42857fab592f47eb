// Loopback model server for the invoke benchmark: reads the whole request, answers a fixed small body.
import { createServer } from "node:http";

const answer = Buffer.from("0.5\n");
const server = createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    if (req.url === "/invocations") {
      res.writeHead(200, { "content-type": "text/csv", "content-length": answer.length });
      res.end(answer);
    } else {
      res.writeHead(req.url === "/ping" ? 200 : 404, { "content-length": 0 });
      res.end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("disconnect", () => process.exit(0));
