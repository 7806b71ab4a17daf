"""FTP client driver for the tests: Debian's python3 and its ftplib, passive and active.

usage: ftp-clients.py HOST PORT DIRECTORY ACTION...
  get:NAME:MODE        download NAME, print its sha256; MODE is pasv, port (sendport) or eprt (sendeprt)
  put:FILE:NAME:MODE   upload FILE as NAME
  loop:NAME:COUNT      download NAME COUNT times on one control connection (passive), print one sha256
"""
import hashlib
import socket
import sys
from ftplib import FTP

host, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ftp = FTP()
ftp.connect(host, port, timeout=30)
ftp.login()
ftp.cwd(directory)


def active_transfer(command, mode, payload=None):
    """PORT or EPRT by hand (ftplib only sends EPRT for IPv6), then the transfer."""
    family = socket.AF_INET6 if ':' in ftp.sock.getsockname()[0] else socket.AF_INET
    listener = socket.create_server((ftp.sock.getsockname()[0], 0), family=family)
    listener.settimeout(30)
    address, data_port = listener.getsockname()[:2]
    if mode == 'port':
        ftp.sendport(address, data_port)
    else:
        ftp.sendeprt(address, data_port)
    ftp.sendcmd(command)
    conn, _ = listener.accept()
    listener.close()
    digest = hashlib.sha256()
    with conn:
        if payload is None:
            while True:
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                digest.update(chunk)
        else:
            conn.sendall(payload)
    ftp.voidresp()
    return digest.hexdigest()


for action in sys.argv[4:]:
    kind, *rest = action.split(':')
    if kind == 'get':
        name, mode = rest
        if mode == 'pasv':
            ftp.set_pasv(True)
            digest = hashlib.sha256()
            ftp.retrbinary(f'RETR {name}', digest.update)
            print(digest.hexdigest())
        else:
            ftp.voidcmd('TYPE I')
            print(active_transfer(f'RETR {name}', mode))
    elif kind == 'put':
        local, name, mode = rest
        with open(local, 'rb') as f:
            payload = f.read()
        if mode == 'pasv':
            ftp.set_pasv(True)
            with open(local, 'rb') as f:
                ftp.storbinary(f'STOR {name}', f)
        else:
            ftp.voidcmd('TYPE I')
            active_transfer(f'STOR {name}', mode, payload)
        print('stored')
    elif kind == 'loop':
        name, count = rest
        ftp.set_pasv(True)
        digests = set()
        for _ in range(int(count)):
            digest = hashlib.sha256()
            ftp.retrbinary(f'RETR {name}', digest.update)
            digests.add(digest.hexdigest())
        print(' '.join(sorted(digests)))
ftp.quit()
