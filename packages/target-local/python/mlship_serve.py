"""mlship's local model server: the SageMaker scikit-learn container's serving contract.

Standard library only (numpy is imported for the default input/output functions, as the container
does). A master process binds the socket and pre-forks workers that share it; each worker imports
the user's inference script, calls model_fn once and serves requests on threads (so idle keep-alive
connections and slow requests do not block it). The master replaces workers that die and reports
what happens as JSON lines on a control file descriptor.

    python mlship_serve.py '{"host": "127.0.0.1", "port": 0, "workers": 2, "modelDir": "...",
                             "codeDir": "...", "program": "inference.py", "controlFd": 3}'
"""
import importlib.util
import io
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 6 * 1024 * 1024  # InvokeEndpoint's payload limit
DRAIN_LIMIT = 64 * 1024 * 1024  # read (and drop) oversized bodies up to this, to answer 413 cleanly
LOAD_FAILED_EXIT = 3
JSON, CSV, NPY = "application/json", "text/csv", "application/x-npy"
UTF8_TYPES = (JSON, CSV)


class UnsupportedFormatError(Exception):
    """Raised for a content type or accept type nobody can handle (answers 415)."""


class BadRequestError(Exception):
    """A body the default decoders cannot parse (answers 400)."""


# ---------------------------------------------------------------- control channel


class Control:
    def __init__(self, fd):
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, event, **fields):
        if self.fd is None:
            return
        fields["event"] = event
        line = json.dumps(fields)
        if len(line) > 3900:  # one write below PIPE_BUF: lines from several processes never interleave
            fields["error"] = str(fields.get("error", ""))[:3000]
            line = json.dumps(fields)[:3900]
        try:
            with self.lock:
                os.write(self.fd, (line + "\n").encode("utf-8"))
        except OSError:
            pass  # the launcher went away (a detached deployment); keep serving


# ---------------------------------------------------------------- default hooks (sklearn container)


def media_type(value):
    return (value or "").split(";")[0].strip().lower()


def default_input_fn(input_data, content_type):
    import numpy as np

    ctype = media_type(content_type)
    try:
        if ctype == JSON:
            array = np.array(json.loads(input_data))
        elif ctype == CSV:
            array = np.genfromtxt(io.StringIO(input_data), delimiter=",")
        elif ctype == NPY:
            # allow_pickle stays off: a pickle in a request body would run code.
            array = np.load(io.BytesIO(input_data), allow_pickle=False)
        else:
            raise UnsupportedFormatError(f"Content type {content_type} is not supported by this model")
    except (UnsupportedFormatError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - any parse failure of the body
        raise BadRequestError(f"Cannot decode the {ctype} body: {error}") from error
    return array.astype(np.float32) if ctype in UTF8_TYPES else array


def default_predict_fn(input_data, model):
    return model.predict(input_data)


def default_output_fn(prediction, accept):
    import numpy as np

    atype = media_type(accept)
    if atype == JSON:
        return json.dumps(np.asarray(prediction).tolist()), JSON
    if atype == CSV:
        stream = io.StringIO()
        np.savetxt(stream, np.asarray(prediction), delimiter=",", fmt="%s")
        return stream.getvalue(), CSV
    if atype == NPY:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(prediction))
        return buffer.getvalue(), NPY
    raise UnsupportedFormatError(f"Accept type {accept} is not supported by this model")


# ---------------------------------------------------------------- worker


class Model:
    def __init__(self, config):
        self.config = config
        self.default_accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") or JSON
        code_dir, program = config["codeDir"], config["program"]
        sys.path.insert(0, code_dir)
        path = os.path.join(code_dir, program)
        name = os.path.splitext(os.path.basename(program))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        model_fn = getattr(module, "model_fn", None)
        if model_fn is None:
            raise NotImplementedError(f"{program} does not define model_fn(model_dir); the scikit-learn container requires it")
        self.transform_fn = getattr(module, "transform_fn", None)
        self.input_fn = getattr(module, "input_fn", default_input_fn)
        self.predict_fn = getattr(module, "predict_fn", default_predict_fn)
        self.output_fn = getattr(module, "output_fn", default_output_fn)
        self.model = model_fn(config["modelDir"])

    def invoke(self, body, content_type, accept):
        if not accept or accept.strip() == "*/*":
            accept = self.default_accept
        content_type = content_type or JSON
        try:
            data = body.decode("utf-8") if media_type(content_type) in UTF8_TYPES else body
        except UnicodeDecodeError as error:
            raise BadRequestError(f"The {media_type(content_type)} body is not UTF-8: {error}") from error
        if self.transform_fn is not None:
            result = self.transform_fn(self.model, data, content_type, accept)
        else:
            result = self.output_fn(self.predict_fn(self.input_fn(data, content_type), self.model), accept)
        return response_of(result, accept)


def response_of(result, accept):
    """Hooks may return bytes/str, (body, content_type), or a Flask/werkzeug-like response object."""
    content_type = media_type(accept) if accept and "*" not in accept else JSON
    if isinstance(result, tuple):
        result, content_type = result[0], result[1]
    elif hasattr(result, "get_data"):
        content_type = getattr(result, "mimetype", None) or content_type
        result = result.get_data()
    elif hasattr(result, "response") and hasattr(result, "mimetype"):
        content_type = result.mimetype or content_type
        result = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in result.response)
    if isinstance(result, str):
        result = result.encode("utf-8")
    elif not isinstance(result, (bytes, bytearray)):
        result = json.dumps(result.tolist() if hasattr(result, "tolist") else result).encode("utf-8")
    return bytes(result), content_type


def is_unsupported(error):
    return any(cls.__name__ == "UnsupportedFormatError" for cls in type(error).__mro__)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mlship-local"
    timeout = 75  # idle keep-alive connections close after this many seconds

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # one line per request would drown the training-style logs

    def send(self, status, body=b"", content_type="text/plain; charset=utf-8", close=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Keep-Alive", "timeout=60")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/ping":
            self.send(200, b"")
        elif path == "/execution-parameters":
            body = {"MaxConcurrentTransforms": self.server.workers, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}
            self.send(200, json.dumps(body).encode(), JSON)
        else:
            self.send(404, b"Not Found")

    def read_body(self):
        """The request body, or None after answering 413 for one over the limit."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(65537)
                length = int(line.split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                size += length
                data = self.rfile.read(length)
                self.rfile.readline(3)
                if size <= MAX_BODY:
                    chunks.append(data)
                elif size > DRAIN_LIMIT:
                    self.too_large(size, close=True)
                    return None
            if size > MAX_BODY:
                self.too_large(size)
                return None
            return b"".join(chunks)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send(400, b"Invalid Content-Length", close=True)
            return None
        if length > MAX_BODY:
            if length <= DRAIN_LIMIT:
                # Read and drop the body so the client sees the 413 instead of a reset connection.
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                self.too_large(length)
            else:
                self.too_large(length, close=True)
            return None
        return self.rfile.read(length) if length else b""

    def too_large(self, size, close=False):
        message = f"Request body is {size} bytes; the limit is {MAX_BODY} bytes (6 MB)"
        self.send(413, message.encode(), close=close)

    def do_POST(self):
        path = self.path.split("?")[0]
        if path != "/invocations":
            self.send(404, b"Not Found")
            return
        body = self.read_body()
        if body is None:
            return
        content_type = self.headers.get("Content-Type")
        accept = self.headers.get("Accept")
        try:
            payload, response_type = self.server.model.invoke(body, content_type, accept)
        except Exception as error:  # noqa: BLE001 - every hook failure becomes an HTTP answer
            text = f"{type(error).__name__}: {error}"
            if is_unsupported(error):
                self.send(415, text.encode())
            elif isinstance(error, BadRequestError):
                self.send(400, text.encode())
            else:
                sys.stderr.write(traceback.format_exc())
                sys.stderr.flush()
                self.send(500, text.encode())
            return
        self.send(200, payload, response_type)


class WorkerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock, model, workers):
        # bind_and_activate=False: the master already bound and listens on the shared socket.
        super().__init__(sock.getsockname()[:2], Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.model = model
        self.workers = workers


def run_worker(sock, config, control):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        model = Model(config)
    except BaseException:  # noqa: BLE001 - report any load failure, then exit
        error = traceback.format_exc()
        sys.stderr.write(error)
        sys.stderr.flush()
        control.send("load_failed", pid=os.getpid(), error=error.strip().splitlines()[-1] + "\n" + error)
        os._exit(LOAD_FAILED_EXIT)
    control.send("worker_ready", pid=os.getpid())
    server = WorkerServer(sock, model, config["workers"])
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        os._exit(0)


# ---------------------------------------------------------------- master


def main():
    # Python 3.12+ warns about fork() in a threaded process. The master's threads only use os.read and
    # os.write (never a buffered stream or a lock the child needs), so forking here is safe.
    warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
    config = json.loads(sys.argv[1])
    control = Control(config.get("controlFd"))
    host, port, count = config.get("host", "127.0.0.1"), int(config.get("port", 0)), int(config["workers"])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        control.send("failed", error=f"cannot listen on {host}:{port}: {error}")
        sys.exit(1)
    sock.listen(128)
    # Non-blocking accept: workers race for each connection, and the losers must not block.
    sock.setblocking(False)
    control.send("listening", pid=os.getpid(), port=sock.getsockname()[1])

    children = {}  # pid -> {"ready": bool}
    state = {"ready": False, "stopping": False, "load_failures": 0}
    lock = threading.Lock()
    # Workers report to the master through this pipe; the master forwards to the launcher.
    read_fd, write_fd = os.pipe()

    def spawn():
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            run_worker(sock, config, Control(write_fd))
        with lock:
            children[pid] = {"ready": False}
        control.send("worker_started", pid=pid)

    def stop(*_):
        state["stopping"] = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def relay():
        with os.fdopen(read_fd, "r", encoding="utf-8") as stream:
            for line in stream:
                message = json.loads(line)
                event = message.get("event")
                with lock:
                    if event == "worker_ready" and message["pid"] in children:
                        children[message["pid"]]["ready"] = True
                    all_ready = children and all(c["ready"] for c in children.values())
                control.send(event, **{k: v for k, v in message.items() if k != "event"})
                if event == "load_failed" and not state["ready"]:
                    control.send("failed", error=message.get("error", "model_fn failed"))
                    stop()
                elif event == "worker_ready" and all_ready and not state["ready"]:
                    state["ready"] = True
                    control.send("ready", pids=list(children))

    relay_thread = threading.Thread(target=relay, daemon=True)
    relay_thread.start()
    if config.get("watchStdin"):
        # The launcher holds our stdin open; end of file means it died: do not outlive it.
        def watch():
            while os.read(0, 4096):
                pass
            stop()

        threading.Thread(target=watch, daemon=True).start()

    for _ in range(count):
        spawn()

    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        with lock:
            info = children.pop(pid, None)
        if info is None:
            continue
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        sig = signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else None
        if state["stopping"]:
            continue
        control.send("worker_exited", pid=pid, code=code, signal=sig)
        if code == LOAD_FAILED_EXIT and not state["ready"]:
            stop()  # the relay reports the worker's error as "failed"
            continue
        if code == LOAD_FAILED_EXIT:
            state["load_failures"] += 1
            if state["load_failures"] >= 5:
                control.send("failed", error="replacement workers keep failing to load the model")
                stop()
                continue
            time.sleep(min(5, state["load_failures"]))
        else:
            state["load_failures"] = 0
        spawn()
    # Let the relay forward what the workers wrote before they exited (a load error, say).
    os.close(write_fd)
    relay_thread.join(2)
    control.send("stopped")
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: daemon threads (stdin watcher, relay) must not block or crash interpreter shutdown.
    os._exit(1 if not state["ready"] else 0)


if __name__ == "__main__":
    main()
