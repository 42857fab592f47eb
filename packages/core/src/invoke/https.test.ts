import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMlshipError } from "../errors.js";
import { createHttpInvoker } from "./http-invoker.js";

const hasOpenssl = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;

describe.skipIf(!hasOpenssl)("createHttpInvoker over https", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlship-tls-"));
  let server: Server;
  let url = "";
  let cert = "";

  beforeAll(async () => {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ].concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
      { stdio: "ignore", timeout: 30_000 },
    );
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    server = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "text/csv" }).end("0.5\n"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("trusts a private CA given in tls.ca", async () => {
    const invoker = createHttpInvoker({ url, tls: { ca: cert } });
    const res = await invoker.invoke({ body: "1,2\n", contentType: "text/csv" });
    expect(new TextDecoder().decode(res.body)).toBe("0.5\n");
    await invoker.close();
  });

  it("refuses an untrusted certificate with E_NETWORK, without retrying", async () => {
    const invoker = createHttpInvoker({ url, retryBaseDelayMs: 1 });
    try {
      await invoker.invoke({ body: "1,2\n", contentType: "text/csv" });
      expect.unreachable();
    } catch (e) {
      expect(isMlshipError(e) && e.code).toBe("E_NETWORK");
      expect(isMlshipError(e) && e.details?.attempts).toBe(1);
    } finally {
      await invoker.close();
    }
  });
});
