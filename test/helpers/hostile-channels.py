"""Runs on the SSH server side under tunnels -X -A: hostile clients of the forwarded X11 display and agent.

Each client connects to $DISPLAY's TCP port (sshd's X11 listener) or to $SSH_AUTH_SOCK (sshd's agent
listener), so each becomes an x11 or auth-agent@openssh.com channel that tunnels carries to the local X
server or ssh-agent. It stops at a random point of its exchange and then resets, half-closes, stalls or
just closes. Everything a client does comes from random.Random(seed, client index), so a run is replayed
by its seed (the interleaving of the parallel clients is the scheduler's).

Talks to the test by lines (the test holds our stdin through tunnels):
  prints "ready", reads "go", runs the clients, prints "summary {json}", runs a well-behaved xdpyinfo and
  ssh-add -l, prints "checked {json}", reads "exit", exits 0 if the well-behaved clients succeeded.
Usage: hostile-channels.py SEED X11_CLIENTS AGENT_CLIENTS PARALLEL LIMIT_SECONDS
"""
import json
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

SEED, X11_CLIENTS, AGENT_CLIENTS, PARALLEL = (int(value) for value in sys.argv[1:5])
LIMIT_S = float(sys.argv[5])

DISPLAY = os.environ['DISPLAY']  # localhost:10.0 (sshd's X11UseLocalhost)
X11_PORT = 6000 + int(DISPLAY.rsplit(':', 1)[1].split('.')[0])
AGENT = os.environ['SSH_AUTH_SOCK']
FAKE = bytes.fromhex(
    subprocess.run(['xauth', 'list', DISPLAY], capture_output=True, text=True, check=True).stdout.split()[2]
)
COOKIE_NAME = b'MIT-MAGIC-COOKIE-1'
# Agent requests that change the agent (add, remove, lock, unlock, extensions, and 9, SSH1's "remove all",
# which ssh-agent still honours): never sent, not even as garbage, so the well-behaved ssh-add -l at the
# end still sees the key.
AGENT_CHANGES = {9, *range(17, 28)}


def pad(data):
    return data + b'\0' * (-len(data) % 4)


def x11_setup(order, name=COOKIE_NAME, cookie=FAKE, major=11, lengths=None):
    fmt = '<' if order == b'l' else '>'
    name_length, cookie_length = lengths or (len(name), len(cookie))
    header = order + b'\0' + struct.pack(fmt + 'HHHHxx', major, 0, name_length, cookie_length)
    return header + pad(name) + pad(cookie)


def x11_requests(rnd, order):
    """What a client sends after its setup: requests that change nothing, or bytes the server skips."""
    fmt = '<' if order == b'l' else '>'
    choice = rnd.choice(['none', 'no-operation', 'get-input-focus', 'skipped'])
    if choice == 'none':
        return choice, b''
    if choice == 'no-operation':  # opcode 127, no reply
        return choice, (b'\x7f\0' + struct.pack(fmt + 'H', 1)) * rnd.randint(1, 4000)
    if choice == 'get-input-focus':  # opcode 43, a 32-byte reply each (a client that never reads them)
        return choice, (b'\x2b\0' + struct.pack(fmt + 'H', 1)) * rnd.randint(1, 4000)
    # Opcode 0 is no request: the server answers BadRequest and skips the length it was told.
    words = rnd.randint(1, 2000)
    return choice, b'\0\0' + struct.pack(fmt + 'H', words) + rnd.randbytes(words * 4 - 4)


def killed(sock, order, rnd):
    """After the setup: read the reply, make a resource (a GC on the root window) and ask the X server to
    kill the client owning it (this one), with more requests behind: the X server closes the connection
    with requests unread, under tunnels' socket to it."""
    fmt = '<' if order == b'l' else '>'
    head, _ = receive(sock, 8, 3)
    if len(head) < 8 or head[0] != 1:
        return head[:1]
    body, _ = receive(sock, struct.unpack(fmt + 'H', head[6:8])[0] * 4, 3)
    base = struct.unpack(fmt + 'I', body[4:8])[0]
    vendor_length, formats = struct.unpack(fmt + 'H', body[16:18])[0], body[21]
    root = struct.unpack(fmt + 'I', body[32 + pad_length(vendor_length) + 8 * formats :][:4])[0]
    requests = (
        struct.pack(fmt + 'BxHIII', 55, 4, base, root, 0)  # CreateGC
        + struct.pack(fmt + 'BxHI', 113, 2, base)  # KillClient
        + (b'\x7f\0' + struct.pack(fmt + 'H', 1)) * rnd.randint(0, 20000)  # NoOperation
    )
    try:
        send(sock, requests, False, rnd)
    except OSError:
        pass  # closed already: the point
    return head[:1]


def pad_length(length):
    return (length + 3) & ~3


def x11_script(rnd):
    """(kind, bytes to send, bytes in the setup, whether tunnels should let it through)."""
    order = rnd.choice([b'l', b'B'])
    kind = rnd.choice(
        ['fake-cookie'] * 4
        + ['kills-itself', 'wrong-cookie', 'short-cookie', 'wrong-name', 'version-10', 'bad-byte-order', 'too-large']
    )
    if kind == 'kills-itself':  # the requests that follow depend on the setup reply: see killed()
        setup = x11_setup(order)
        return f'{kind} {order.decode()}', setup, len(setup), True
    if kind == 'fake-cookie':
        setup = x11_setup(order)
        after, extra = x11_requests(rnd, order)
        return f'{kind} {order.decode()} then {after}', setup + extra, len(setup), True
    if kind == 'wrong-cookie':
        setup = x11_setup(order, cookie=rnd.randbytes(len(FAKE)))
    elif kind == 'short-cookie':
        setup = x11_setup(order, cookie=FAKE[: rnd.randint(0, len(FAKE) - 1)])
    elif kind == 'wrong-name':
        setup = x11_setup(order, name=b'XDM-AUTHORIZATION-1')
    elif kind == 'version-10':
        setup = x11_setup(order, major=10)
    elif kind == 'bad-byte-order':
        setup = rnd.choice([b'\0', b'G', b'\x16\x03\x01']) + rnd.randbytes(rnd.randint(0, 200))
    else:  # lengths that add up to more than any real setup; only the header and a little follow
        setup = x11_setup(order, lengths=(rnd.randint(0, 65535), 65535))[:12] + rnd.randbytes(rnd.randint(0, 500))
    return f'{kind} {order.decode()}', setup, len(setup), False


def agent_message(kind_type, payload):
    return struct.pack('>I', 1 + len(payload)) + bytes([kind_type]) + payload


def agent_script(rnd):
    """(kind, bytes to send, bytes in the first request, the reply type a full first request gets)."""
    identities = agent_message(11, b'')
    kind = rnd.choice(
        ['request-identities'] * 3 + ['pipelined', 'sign-unknown-key', 'unknown-type', 'garbage', 'too-long']
    )
    if kind == 'request-identities':
        return kind, identities, len(identities), 12
    if kind == 'pipelined':  # many requests at once, maybe never reading the answers
        return kind, identities * rnd.randint(2, 3000), len(identities), 12
    if kind == 'sign-unknown-key':
        blob = rnd.randbytes(rnd.randint(0, 300))
        data = rnd.randbytes(rnd.randint(0, 300))
        message = agent_message(13, struct.pack('>I', len(blob)) + blob + struct.pack('>I', len(data)) + data + b'\0\0\0\0')
        return kind, message, len(message), 5
    if kind == 'unknown-type':
        message = agent_message(rnd.choice([0, 1, 7, 100, 200, 255]), rnd.randbytes(rnd.randint(0, 100)))
        return kind, message, len(message), 5
    if kind == 'garbage':  # one message whose stated length covers all of it, so no second type byte
        message_type = rnd.choice([t for t in range(256) if t not in AGENT_CHANGES])
        message = agent_message(message_type, rnd.randbytes(rnd.randint(0, 3000)))
        return kind, message, len(message), None
    # More than ssh-agent takes (256 KiB): it closes the connection while the rest is still coming.
    length = rnd.choice([256 * 1024 + 1, 2**31, 2**32 - 1])
    return kind, struct.pack('>I', length) + bytes([11]) + rnd.randbytes(rnd.randint(0, 3000)), 5, None


def connect(what):
    if what == 'x11':
        sock = socket.create_connection(('127.0.0.1', X11_PORT), timeout=5)
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(AGENT)
    return sock


def receive(sock, want, seconds):
    """Reads up to `want` bytes for at most `seconds`; returns (bytes, whether EOF came)."""
    got = b''
    deadline = time.monotonic() + seconds
    while len(got) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            return got, False
        sock.settimeout(left)
        try:
            chunk = sock.recv(min(65536, want - len(got)))
        except socket.timeout:
            return got, False
        except OSError:
            return got, True
        if not chunk:
            return got, True
        got += chunk
    return got, False


def send(sock, data, split, rnd):
    if not split:
        sock.sendall(data)
        return
    offset = 0
    while offset < len(data):
        step = rnd.randint(1, 7)
        sock.sendall(data[offset : offset + step])
        offset += step
        if rnd.random() < 0.1:
            time.sleep(0.001)


def client(index):
    rnd = random.Random(SEED * 1_000_003 + index)
    what = 'x11' if index < X11_CLIENTS else 'agent'
    if what == 'x11':
        kind, data, first_length, allowed = x11_script(rnd)
    else:
        kind, data, first_length, reply_type = agent_script(rnd)
    cut = rnd.choice([rnd.randint(0, first_length), rnd.randint(0, len(data)), len(data), len(data)])
    wait = rnd.random() < 0.6  # for an answer after sending, when the first request went out whole
    ending = rnd.choice(['reset', 'half-close', 'stall', 'close'])
    stall = rnd.uniform(0, 0.4)
    split = rnd.random() < 0.3 and cut < 4096
    record = {'i': index, 'what': what, 'kind': kind, 'cut': f'{cut}/{len(data)}', 'ending': ending}
    if time.monotonic() > DEADLINE:
        record['outcome'] = 'not run: out of time'
        return record
    try:
        sock = connect(what)
    except OSError as error:
        record['outcome'] = f'connect failed: {error}'
        return record
    try:
        if kind.startswith('kills-itself'):
            send(sock, data, split, rnd)
            first = killed(sock, data[:1], rnd)
            record.update(reply=first[0] if first else None, reply_bytes=len(first), expected=1)
        else:
            try:
                send(sock, data[:cut], split, rnd)
            except OSError:
                record['peer_closed'] = True
        if wait and cut >= first_length and not kind.startswith('kills-itself'):
            # X11: the setup reply's first 8 bytes (1 = Success). Agent: the length and type of the answer.
            got, eof = receive(sock, 8 if what == 'x11' else 5, 3)
            record['reply'] = got[0] if what == 'x11' and got else got[4] if len(got) == 5 else None
            record['reply_bytes'] = len(got)
            record['eof'] = eof
            if what == 'x11':
                record['expected'] = 1 if allowed else 'no byte'
            elif reply_type is not None:
                record['expected'] = reply_type
        if ending == 'reset':
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        elif ending == 'half-close':
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            # The far end sees EOF and closes; its EOF should come back (a stuck one is the limit's).
            _, record['eof_after_half_close'] = receive(sock, 1 << 30, 1.5)
        elif ending == 'stall':
            time.sleep(stall)
    except Exception as error:  # noqa: BLE001 -- a bug in this script, reported rather than lost
        record['outcome'] = f'client error: {error!r}'
    finally:
        sock.close()
    record.setdefault('outcome', 'done')
    return record


def well_behaved():
    xdpyinfo = subprocess.run(['xdpyinfo'], capture_output=True, text=True, timeout=20)
    dimensions = next((line.strip() for line in xdpyinfo.stdout.splitlines() if 'dimensions:' in line), '')
    ssh_add = subprocess.run(['ssh-add', '-l'], capture_output=True, text=True, timeout=20)
    return {
        'xdpyinfo': xdpyinfo.returncode,
        'dimensions': dimensions,
        'xdpyinfo_stderr': xdpyinfo.stderr[-500:],
        'ssh_add': ssh_add.returncode,
        'keys': ssh_add.stdout.strip(),
        'ssh_add_stderr': ssh_add.stderr[-500:],
    }


def say(text):
    print(text, flush=True)


# A first well-behaved pair, so what tunnels sets up once is there before the test counts descriptors.
first = well_behaved()
say(f'ready {json.dumps(first)}')
if sys.stdin.readline().strip() != 'go':
    sys.exit(3)
say(f'seed {SEED}')
DEADLINE = time.monotonic() + LIMIT_S
order = list(range(X11_CLIENTS + AGENT_CLIENTS))
random.Random(SEED).shuffle(order)
started = time.monotonic()
with ThreadPoolExecutor(PARALLEL) as pool:
    records = list(pool.map(client, order))
elapsed = time.monotonic() - started

outcomes = {}
for record in records:
    key = record['outcome'] if not record['outcome'].startswith('client error') else 'client error'
    outcomes[key] = outcomes.get(key, 0) + 1
# A full setup with a wrong cookie never gets a byte from the X server; the fake one always gets Success;
# a full agent request is answered as ssh-agent answers it. A wait that timed out proves nothing either way.
wrong = [r for r in records if 'expected' in r and r['reply_bytes'] > 0 and r['reply'] != r['expected']]
unanswered = [r for r in records if 'expected' in r and r['expected'] != 'no byte' and r['reply_bytes'] == 0]
summary = {
    'seed': SEED,
    'clients': len(records),
    'seconds': round(elapsed, 2),
    'outcomes': outcomes,
    'checked_replies': sum(1 for r in records if 'expected' in r),
    'wrong_replies': wrong[:20],
    'unanswered': unanswered[:20],
    'unanswered_count': len(unanswered),
    'client_errors': [r for r in records if r['outcome'] != 'done'][:20],
    'half_closes': sum(1 for r in records if 'eof_after_half_close' in r),
    'half_closes_without_eof': [r for r in records if r.get('eof_after_half_close') is False][:20],
    'half_closes_without_eof_count': sum(1 for r in records if r.get('eof_after_half_close') is False),
}
say(f'summary {json.dumps(summary)}')
last = well_behaved()
say(f'checked {json.dumps(last)}')
if sys.stdin.readline().strip() != 'exit':
    sys.exit(3)
sys.exit(0 if last['xdpyinfo'] == 0 and last['ssh_add'] == 0 else 1)
