#!/usr/bin/python3
"""A real HTTP/1.1 server with a known capacity, for testing fpctl's searches.

  limited_server.py PORT --max-connections N   answers 503 on connections beyond the first N open
  limited_server.py PORT --max-rate R          answers 503 beyond R requests per second (token bucket)

Every other request gets 200 with a small JSON body. Loopback only; stops on SIGTERM.
"""
import argparse
import asyncio
import signal
import time

BODY = b'{"orders":[]}\n'


def response(status):
    reason = b"OK" if status == 200 else b"Service Unavailable"
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (status, reason, len(BODY), BODY))


class Limits:
    def __init__(self, max_connections, max_rate):
        self.max_connections = max_connections
        self.max_rate = max_rate
        self.open = 0
        self.tokens = max_rate or 0.0
        self.refilled = time.monotonic()

    def take_token(self):
        if not self.max_rate:
            return True
        now = time.monotonic()
        # A burst of a tenth of a second's worth: the limit holds at sub-second scale.
        self.tokens = min(self.max_rate / 10, self.tokens + (now - self.refilled) * self.max_rate)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


async def serve_connection(reader, writer, limits):
    limits.open += 1
    admitted = not limits.max_connections or limits.open <= limits.max_connections
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            ok = admitted and limits.take_token()
            writer.write(response(200 if ok else 503))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        limits.open -= 1
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--max-connections", type=int, default=0)
    parser.add_argument("--max-rate", type=float, default=0)
    args = parser.parse_args()
    limits = Limits(args.max_connections, args.max_rate)
    server = await asyncio.start_server(lambda r, w: serve_connection(r, w, limits), "127.0.0.1", args.port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("listening", args.port, flush=True)
    async with server:
        await stop.wait()


asyncio.run(main())
