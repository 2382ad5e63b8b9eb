"""MAGeCK's random numbers: the Park-Miller Lehmer generator of its ``RRA`` program, in blocks.

MAGeCK's ``rngs.cpp`` stream 0 (multiplier 48271, modulus 2^31 - 1, seeded 123456 for every RRA
call) drawn with numpy: a block of draws is the state times precomputed powers of the
multiplier, reduced by two Mersenne folds, so the same uniforms come out as MAGeCK's scalar loop.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

_M = 2147483647
_A = 48271
_CHUNK = 1 << 18


class _LehmerStream:
    """MAGeCK's ``rngs.cpp`` stream 0: x <- 48271 x mod (2^31 - 1), u = x / (2^31 - 1)."""

    _powers: np.ndarray | None = None

    def __init__(self, seed: int = 123456) -> None:
        self.state = int(seed) % _M

    @classmethod
    def _pow(cls) -> np.ndarray:
        if cls._powers is None:
            p = np.empty(_CHUNK, dtype=np.int64)
            p[0] = _A
            n = 1
            while n < _CHUNK:
                k = min(n, _CHUNK - n)
                p[n : n + k] = (p[:k] * p[n - 1]) % _M
                n += k
            cls._powers = p
        return cls._powers

    def jump(self, k: int) -> None:
        """Advance the stream by ``k`` draws without producing them."""
        self.state = (self.state * pow(_A, int(k), _M)) % _M

    def draw(self, k: int) -> np.ndarray:
        pw = self._pow()
        out = np.empty(k, dtype=np.float64)
        pos = 0
        buf = np.empty(min(_CHUNK, k), dtype=np.int64)
        tmp = np.empty_like(buf)
        while pos < k:
            c = min(_CHUNK, k - pos)
            x, t = buf[:c], tmp[:c]
            np.multiply(pw[:c], self.state, out=x)  # < 2^62
            # x mod (2^31 - 1) by two Mersenne folds (x is never a multiple of the modulus)
            for _ in range(2):
                np.right_shift(x, 31, out=t)
                np.bitwise_and(x, _M, out=x)
                x += t
            self.state = int(x[-1])
            np.divide(x, _M, out=out[pos : pos + c])
            pos += c
        return out
