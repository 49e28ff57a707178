"""Cost of encryption at rest: AES-256-GCM seal/open of one upload, and a key rotation.

Measures, on this machine, (1) sealing and opening a 50 MB upload (the largest the service
accepts) and (2) ``reencrypt_tree`` over 200 stored files of 1 MB (``storefront rotate-key``'s
work). Prints JSON with the 1-minute load average, since the machine is shared.

Usage: ``.venv/bin/python benchmarks/bench_encryption.py``
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from pathlib import Path

from storefront.security.encryption import Keyring, decrypt, encrypt, reencrypt_tree


def _best_of(fn, n: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    """Run both measurements and print them as JSON."""
    a = Keyring("a", {"a": secrets.token_bytes(32)})
    data = os.urandom(50 * 2**20)
    blob = encrypt(a, data)
    seal_s = _best_of(lambda: encrypt(a, data))
    open_s = _best_of(lambda: decrypt(a, blob))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        one = os.urandom(2**20)
        for i in range(200):
            (root / f"{i:03d}.ply").write_bytes(encrypt(a, one))
        b = Keyring("b", {"a": a.keys["a"], "b": secrets.token_bytes(32)})
        t0 = time.perf_counter()
        report = reencrypt_tree(b, root)
        rotate_s = time.perf_counter() - t0
        assert report.reencrypted == 200 and not report.failed
    out = {
        "seal_50MB_s": round(seal_s, 4),
        "open_50MB_s": round(open_s, 4),
        "seal_MB_per_s": round(50 / seal_s),
        "rotate_200_files_1MB_s": round(rotate_s, 3),
        "overhead_bytes_per_file": len(blob) - len(data),
        "load_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
