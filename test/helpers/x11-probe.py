"""Runs on the SSH server side under tunnels -X: raw X11 clients against the forwarded DISPLAY.

Prints "wrong-cookie: <first reply byte or EOF>" and "fake-cookie-bytewise: <first reply byte or EOF>".
X11 answers a setup with 1 (Success) or 0 (Failed); EOF means the forwarder closed without asking the server.
"""
import os
import socket
import subprocess
import struct
import time

display = os.environ['DISPLAY']  # e.g. localhost:10.0
host, number = display.rsplit(':', 1)
port = 6000 + int(number.split('.')[0])
entry = subprocess.run(['xauth', 'list', display], capture_output=True, text=True).stdout.split()
fake = bytes.fromhex(entry[2])


def setup(cookie):
    name = b'MIT-MAGIC-COOKIE-1'
    pad = lambda b: b + b'\0' * (-len(b) % 4)
    return struct.pack('<cxHHHHxx', b'l', 11, 0, len(name), len(cookie)) + pad(name) + pad(cookie)


def attempt(data, bytewise):
    s = socket.create_connection((host or 'localhost', port), timeout=10)
    for i in range(len(data)) if bytewise else [None]:
        if i is None:
            s.sendall(data)
        else:
            s.sendall(data[i:i + 1])
            time.sleep(0.002)
    first = s.recv(1)
    s.close()
    return 'EOF' if not first else str(first[0])


print('wrong-cookie:', attempt(setup(bytes(16)), False))
print('fake-cookie-bytewise:', attempt(setup(fake), True))
