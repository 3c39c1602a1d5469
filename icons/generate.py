#!/usr/bin/env python3
"""Generate Swarmdeck's app icons.

The design: a deck of three stacked, rounded "cards", fanned slightly, in a
blue -> teal palette on a transparent background. The front card carries a
small swarm glyph (three nodes joined in a triangle).

Everything is drawn from signed distance functions in a unit square, so the
same drawing renders crisply at every size; each pixel's coverage comes from
its distance to the shape's edge (analytic anti-aliasing, no supersampling).
PNGs are written by hand (8-bit RGBA, zlib), so the script needs nothing but
the Python 3 standard library and its output is byte-for-byte reproducible.

Usage (from anywhere):

    python3 icons/generate.py

writes, next to this script:

    32x32.png  128x128.png  128x128@2x.png (256x256)  icon.png (512x512)
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent

# name -> edge length in pixels
SIZES = {
    "32x32.png": 32,
    "128x128.png": 128,
    "128x128@2x.png": 256,
    "icon.png": 512,
}


def hex_rgb(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


# Palette: back to front, deep blue -> blue -> teal.
BACK = hex_rgb("#1e3a8a")
MIDDLE = hex_rgb("#2563eb")
FRONT = hex_rgb("#0d9488")
FRONT_TOP = hex_rgb("#2dd4bf")  # the front card is a vertical gradient FRONT_TOP -> FRONT
GLYPH = hex_rgb("#f0fdfa")
SHADOW = hex_rgb("#0b1530")

# Card geometry in unit coordinates (0..1, y down).
CARD_HALF_W = 0.235
CARD_HALF_H = 0.305
CARD_RADIUS = 0.07
RIM_WIDTH = 0.012

# (centre x, centre y, rotation in degrees, colour) from back to front.
CARDS = [
    (0.420, 0.465, -16.0, BACK),
    (0.510, 0.495, -6.0, MIDDLE),
    (0.610, 0.535, 5.0, None),  # front card: gradient, see FRONT/FRONT_TOP
]


def clamp01(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


def to_local(x: float, y: float, cx: float, cy: float, angle_deg: float) -> tuple[float, float]:
    """Point (x, y) in the frame of a card centred at (cx, cy), rotated by angle_deg."""
    a = math.radians(angle_deg)
    dx, dy = x - cx, y - cy
    cos_a, sin_a = math.cos(a), math.sin(a)
    return dx * cos_a + dy * sin_a, -dx * sin_a + dy * cos_a


def sd_round_rect(px: float, py: float, half_w: float, half_h: float, radius: float) -> float:
    """Signed distance from a point to a rounded rectangle centred at the origin."""
    qx = abs(px) - half_w + radius
    qy = abs(py) - half_h + radius
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    inside = min(max(qx, qy), 0.0)
    return outside + inside - radius


def sd_circle(px: float, py: float, cx: float, cy: float, radius: float) -> float:
    return math.hypot(px - cx, py - cy) - radius


def sd_segment(px: float, py: float, ax: float, ay: float, bx: float, by: float, half_width: float) -> float:
    """Signed distance to a capsule (a line segment with round ends)."""
    pax, pay = px - ax, py - ay
    bax, bay = bx - ax, by - ay
    h = clamp01((pax * bax + pay * bay) / (bax * bax + bay * bay))
    return math.hypot(pax - bax * h, pay - bay * h) - half_width


# The swarm glyph, in the front card's local frame.
GLYPH_NODES = [(0.0, -0.125), (-0.11, 0.075), (0.11, 0.075)]
GLYPH_NODE_RADIUS = 0.047
GLYPH_LINE_HALF_WIDTH = 0.016


def over(dst: list[float], rgb: tuple[float, float, float], alpha: float) -> None:
    """Composite a straight-alpha colour over dst (premultiplied RGBA), in place."""
    if alpha <= 0.0:
        return
    inv = 1.0 - alpha
    dst[0] = rgb[0] * alpha + dst[0] * inv
    dst[1] = rgb[1] * alpha + dst[1] * inv
    dst[2] = rgb[2] * alpha + dst[2] * inv
    dst[3] = alpha + dst[3] * inv


def shade_pixel(x: float, y: float, px_size: float) -> list[float]:
    """Premultiplied RGBA of the icon at unit point (x, y); px_size is one pixel in unit units."""
    out = [0.0, 0.0, 0.0, 0.0]
    # Half a pixel of ramp on each side of an edge, but never thinner than a fixed
    # fraction of the icon, so the small sizes stay soft rather than jagged.
    aa = max(px_size, 0.004)

    def coverage(distance: float) -> float:
        return clamp01(0.5 - distance / aa)

    for index, (cx, cy, angle, colour) in enumerate(CARDS):
        lx, ly = to_local(x, y, cx, cy, angle)
        # A soft shadow, offset down and right, so each card lifts off the one behind it.
        sx, sy = to_local(x - 0.012, y - 0.018, cx, cy, angle)
        shadow_d = sd_round_rect(sx, sy, CARD_HALF_W, CARD_HALF_H, CARD_RADIUS)
        over(out, SHADOW, 0.35 * clamp01(0.5 - shadow_d / 0.05))

        d = sd_round_rect(lx, ly, CARD_HALF_W, CARD_HALF_H, CARD_RADIUS)
        cov = coverage(d)
        if cov <= 0.0:
            continue
        if colour is None:
            t = clamp01((ly + CARD_HALF_H) / (2 * CARD_HALF_H))
            colour = tuple(FRONT_TOP[i] + (FRONT[i] - FRONT_TOP[i]) * t for i in range(3))
        over(out, colour, cov)
        # A faint light rim along the inside of the edge.
        over(out, (1.0, 1.0, 1.0), 0.16 * cov * (1.0 - coverage(d + RIM_WIDTH)))

        if index == len(CARDS) - 1:
            glyph_d = min(sd_circle(lx, ly, gx, gy, GLYPH_NODE_RADIUS) for gx, gy in GLYPH_NODES)
            for i in range(3):
                ax, ay = GLYPH_NODES[i]
                bx, by = GLYPH_NODES[(i + 1) % 3]
                glyph_d = min(glyph_d, sd_segment(lx, ly, ax, ay, bx, by, GLYPH_LINE_HALF_WIDTH))
            over(out, GLYPH, coverage(glyph_d) * cov)
    return out


def render(size: int) -> bytes:
    """Raw PNG scanlines (filter byte 0 + RGBA) for a size x size icon."""
    px_size = 1.0 / size
    rows = bytearray()
    for j in range(size):
        rows.append(0)  # filter: none
        y = (j + 0.5) * px_size
        for i in range(size):
            x = (i + 0.5) * px_size
            r, g, b, a = shade_pixel(x, y, px_size)
            if a <= 0.0:
                rows += b"\x00\x00\x00\x00"
                continue
            # Un-premultiply for PNG's straight alpha.
            rows += bytes(
                (
                    round(clamp01(r / a) * 255),
                    round(clamp01(g / a) * 255),
                    round(clamp01(b / a) * 255),
                    round(clamp01(a) * 255),
                )
            )
    return bytes(rows)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path: Path, size: int) -> None:
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(render(size), 9))
        + png_chunk(b"IEND", b"")
    )
    path.write_bytes(data)


def main() -> None:
    for name, size in SIZES.items():
        path = OUT_DIR / name
        write_png(path, size)
        print(f"wrote {path.relative_to(OUT_DIR.parent)} ({size}x{size})")


if __name__ == "__main__":
    main()
