"""`critters`: AWA2's 50 animals, drawn — a visual zero-shot benchmark that ships offline.

Classes, split and semantics are the real AWA2 ones (bundled ``data/xlsa17/AWA2``): the 50
animals, the proposed 40/10 split (unseen = the xlsa17 test classes), the validation classes of
``valclasses1`` and the 85-predicate continuous class–attribute table, L2-normalised per class as
xlsa17 does. Only the pictures are made up: each image is a creature rendered procedurally
(Pillow, 64×64 RGB) whose drawn traits are sampled from its class's attribute strengths, plus
nuisances. The features are the penultimate layer of a small CNN trained on *other* renders of
the seen classes only (`zslkit.data.critters_build`), the way ImageNet-trained ResNet features
stand in for the real benchmarks. A notebook can thus move from `critters` to the real AWA2
features with the same classes and the same class embeddings.

How a trait is drawn (`TRAITS`; one row per drawable predicate group)
----------------------------------------------------------------------
An image shows a trait with probability ``p(s) = sigmoid((s - 40) / 10)``, where ``s`` is the
class's AWA2 strength of the predicate (0..100; -1 "unknown" counts as 0): a zebra (stripes 98)
is striped in almost every image, a class at strength 30 in one image of four.

=====================  ==========================================================================
predicates             drawn as
=====================  ==========================================================================
black … yellow (8)     body colour (sampled ∝ p(s) of each colour); a second colour for patterns
patches, spots,        irregular blobs / dots / bands of the second colour on the body
stripes
furry, toughskin       a fuzzy outline of short hairs / wrinkle lines (hairless: neither)
big, small             body scale ×1.35 / ×0.7
bulbous, lean          a rounder, taller body / a long thin one
flippers               paddles instead of legs
bipedal, quadrapedal   an upright body on 2 legs / 4 legs (neither: no legs, e.g. whales)
longleg, longneck      legs ×1.8 / a neck that lifts the head
hooves, paws, hands,   dark blocks / round pads / split fingers / white spikes at the feet
claws
tail, horns, tusks     a tail / two horns / two white tusks
meatteeth, buckteeth,  fangs / two front teeth / a comb of baleen lines at the mouth (a pixel or
strainteeth            two at 64×64: nearly invisible, as in many photos)
flys                   wings
group                  a second, smaller critter of the same class behind
nocturnal              a dark (night) scene
ocean/water, coastal,  background: water with waves, sand and sea, ground with grass, trees,
ground/plains/fields/  snow, peaks, a cave (one habitat per image, sampled ∝ p(s) of each)
desert/bush, forest/
jungle/tree, arctic,
mountains, cave
=====================  ==========================================================================

The other predicates (smart, fast, fish, newworld, domestic, …: 36 of 85) are not drawn: they
stay in the class embedding and are invisible in the pixels, as many are in real photos.

Every class also has a hidden *morphology* that no predicate names (head size, ears, snout,
body shape, leg thickness, a belly colour, a face mask), drawn from a seeded generator per class: real classes differ in ways
their attributes do not describe, and this is what lets a feature extractor trained on the seen
classes become biased towards them.

Nuisances per image: position, scale, rotation, facing left or right, leg pose, clutter (rocks,
tufts, leaves), brightness and pixel noise.

Images are never stored: image ``i`` is re-rendered from its seed (`render`, `images`), the
same pixels on every machine for the same Pillow and numpy major versions.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from .core import ZSLData, ZSLDataError, derive_validation_split

__all__ = ["load_critters", "render", "images", "TRAITS", "IMAGE_SIZE", "trait_probabilities",
           "benchmark_seeds", "pretraining_seeds"]

IMAGE_SIZE = 64
_SCALE = 2  # drawn at 128×128, then downsampled: smooth edges
IMAGES_PER_CLASS = 240  # benchmark images per class (seen: 80 % trainval, 20 % test_seen)
TEST_SEEN_FRACTION = 0.2
BENCHMARK_SEED_BASE = 1_000_000  # image i of the benchmark is rendered from seed BASE + i
PRETRAIN_SEED_BASE = 5_000_000  # the CNN's own renders: a disjoint range of seeds

#: drawable trait groups → AWA2 predicates (the table in the module docstring)
TRAITS = {
    "body colour": ["black", "white", "blue", "brown", "gray", "orange", "red", "yellow"],
    "pattern": ["patches", "spots", "stripes"],
    "coat": ["furry", "toughskin"],
    "size": ["big", "small"],
    "shape": ["bulbous", "lean"],
    "limbs": ["flippers", "bipedal", "quadrapedal", "longleg", "longneck"],
    "feet": ["hooves", "paws", "hands", "claws"],
    "parts": ["tail", "horns", "tusks", "flys"],
    "teeth": ["meatteeth", "buckteeth", "strainteeth"],
    "scene": ["group", "nocturnal"],
    "habitat": ["ocean", "water", "coastal", "ground", "plains", "fields", "desert", "bush", "forest",
                "jungle", "tree", "arctic", "mountains", "cave"],
}
DRAWN_PREDICATES = [p for group in TRAITS.values() for p in group]

_COLOURS = {"black": (35, 32, 30), "white": (236, 234, 228), "blue": (70, 100, 170), "brown": (125, 85, 50),
            "gray": (128, 128, 132), "orange": (222, 130, 40), "red": (180, 50, 40), "yellow": (225, 195, 80)}
_HABITATS = {  # habitat → AWA2 predicates that vote for it
    "water": ["ocean", "water"], "coast": ["coastal"], "ground": ["ground", "plains", "fields", "desert", "bush"],
    "forest": ["forest", "jungle", "tree"], "snow": ["arctic"], "mountains": ["mountains"], "cave": ["cave"],
}


def trait_probabilities(strength: np.ndarray, threshold: float = 40.0, temperature: float = 10.0) -> np.ndarray:
    """p(s) = 1 / (1 + exp(-(s - threshold) / temperature)) for AWA2 strengths ``s`` in 0..100.

    Unknown strengths (-1) count as 0.
    """
    s = np.clip(np.asarray(strength, dtype=np.float64), 0, 100)
    return 1.0 / (1.0 + np.exp(-(s - threshold) / temperature))


@lru_cache(maxsize=None)
def _semantics():
    from .bundled import load_semantics
    return load_semantics("AWA2")


def _class_morphology(class_name: str) -> dict:
    """The hidden, class-specific shape no predicate names, from a seed derived from the name."""
    seed = int.from_bytes(hashlib.sha256(class_name.encode()).digest()[:4], "little")
    r = np.random.default_rng(seed)
    return {"head": r.uniform(0.38, 0.62), "ears": int(r.integers(0, 4)), "snout": r.uniform(0.0, 0.45),
            "aspect": r.uniform(-0.25, 0.25), "leg_width": r.uniform(0.06, 0.13), "eye": r.uniform(0.08, 0.16),
            "head_tint": r.uniform(-40, 40), "tail_curl": r.uniform(-1, 1),
            "belly": tuple(int(v) for v in r.integers(40, 240, 3)), "belly_size": r.uniform(0.3, 0.7),
            "mask": tuple(int(v) for v in r.integers(20, 235, 3)) if r.random() < 0.6 else None}


def _sample_traits(c: int, rng: np.random.Generator) -> dict:
    """Which traits image of class ``c`` shows: one Bernoulli draw per predicate, p(s) each."""
    sem = _semantics()
    names = sem.attribute_names
    p = trait_probabilities(sem.original[c])
    on = {n: bool(rng.random() < p[names.index(n)]) for n in DRAWN_PREDICATES}

    def pick(options, weights):
        w = np.asarray(weights, dtype=np.float64) + 1e-3
        return options[int(rng.choice(len(options), p=w / w.sum()))]

    colours = list(_COLOURS)
    cw = [p[names.index(k)] ** 2 for k in colours]
    body = pick(colours, cw)
    second = pick([k for k in colours if k != body], [w for k, w in zip(colours, cw) if k != body])
    habitats = list(_HABITATS)
    habitat = pick(habitats, [max(p[names.index(k)] for k in _HABITATS[h]) ** 2 for h in habitats])
    return {"on": on, "body": body, "second": second, "habitat": habitat}


def _jitter(colour, rng, amount=18):
    return tuple(int(np.clip(v + rng.normal(0, amount), 0, 255)) for v in colour)


def _background(draw, habitat: str, size: int, rng) -> None:
    s = size
    if habitat == "water":
        draw.rectangle([0, 0, s, s], fill=_jitter((60, 110, 170), rng))
        for _ in range(6):
            x, y = rng.uniform(-20, s), rng.uniform(0, s)
            draw.arc([x, y, x + rng.uniform(20, 50), y + 14], 200, 340, fill=(150, 190, 230), width=3)
    elif habitat == "coast":
        h = rng.uniform(0.45, 0.65) * s
        draw.rectangle([0, 0, s, h], fill=_jitter((70, 120, 180), rng))
        draw.rectangle([0, h, s, s], fill=_jitter((220, 200, 150), rng))
    elif habitat == "ground":
        h = rng.uniform(0.3, 0.5) * s
        draw.rectangle([0, 0, s, h], fill=_jitter((170, 205, 235), rng))
        draw.rectangle([0, h, s, s], fill=_jitter((170, 150, 95), rng))
        for _ in range(10):
            x, y = rng.uniform(0, s), rng.uniform(h, s)
            draw.line([x, y, x + rng.uniform(-4, 4), y - rng.uniform(6, 14)], fill=(90, 140, 60), width=3)
    elif habitat == "forest":
        draw.rectangle([0, 0, s, s], fill=_jitter((60, 120, 60), rng))
        for _ in range(4):
            x = rng.uniform(0, s)
            draw.rectangle([x, 0, x + rng.uniform(8, 16), s], fill=_jitter((90, 65, 40), rng))
            draw.ellipse([x - 25, rng.uniform(-20, 20), x + 35, rng.uniform(30, 60)], fill=_jitter((40, 100, 45), rng))
    elif habitat == "snow":
        draw.rectangle([0, 0, s, s * 0.4], fill=_jitter((200, 215, 235), rng))
        draw.rectangle([0, s * 0.4, s, s], fill=_jitter((240, 244, 250), rng, 8))
    elif habitat == "mountains":
        draw.rectangle([0, 0, s, s], fill=_jitter((175, 200, 225), rng))
        for _ in range(3):
            x = rng.uniform(-20, s)
            draw.polygon([(x, s), (x + rng.uniform(30, 60), rng.uniform(10, 50)), (x + rng.uniform(70, 110), s)],
                         fill=_jitter((120, 115, 110), rng))
    else:  # cave
        draw.rectangle([0, 0, s, s], fill=_jitter((55, 48, 45), rng, 10))
        draw.ellipse([s * 0.1, s * 0.2, s * 0.9, s * 1.3], fill=_jitter((25, 22, 20), rng, 6))


def _clutter(draw, size: int, rng) -> None:
    for _ in range(int(rng.integers(2, 7))):
        x, y, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(2, 7)
        kind = rng.integers(0, 3)
        colour = _jitter([(120, 120, 115), (70, 130, 60), (150, 110, 60)][kind], rng, 25)
        if kind == 0:
            draw.ellipse([x - r, y - r * 0.7, x + r, y + r * 0.7], fill=colour)
        elif kind == 1:
            draw.line([x, y, x + rng.uniform(-5, 5), y - 3 * r], fill=colour, width=2)
        else:
            draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=colour)


def _critter(layer, traits: dict, morph: dict, rng, size: int, scale: float) -> None:
    """Draw one creature facing right, centred, on an RGBA layer."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(layer)
    on = traits["on"]
    body = _jitter(_COLOURS[traits["body"]], rng, 14)
    second = _jitter(_COLOURS[traits["second"]], rng, 14)
    outline = tuple(max(0, v - 60) for v in body)
    upright = on["bipedal"] and not on["flippers"]
    w = size * 0.42 * scale * (1.0 + 0.35 * on["big"] - 0.3 * on["small"])
    aspect = 1.7 + morph["aspect"] + 0.6 * on["lean"] - 0.55 * on["bulbous"]
    h = w / max(aspect, 0.9)
    if upright:
        w, h = h * 1.1, w * 0.95
    cx, cy = size / 2, size / 2
    left, top, right, bottom = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2

    # legs (drawn first: the body covers their tops)
    legs = 0 if on["flippers"] else (2 if upright else (4 if on["quadrapedal"] else 0))
    leg_len = h * (0.55 + 0.8 * on["longleg"])
    leg_w = max(2.0, size * morph["leg_width"] * scale * 0.5)
    phase = rng.uniform(-0.25, 0.25)
    feet = []
    for k in range(legs):
        x = left + w * ((0.3 + 0.4 * k) if legs == 2 else (0.15 + 0.23 * k))
        x2 = x + phase * leg_len * (1 if k % 2 else -1)
        draw.line([x, cy, x2, bottom + leg_len * 0.6], fill=outline, width=int(leg_w) + 2)
        draw.line([x, cy, x2, bottom + leg_len * 0.6], fill=body, width=int(leg_w))
        feet.append((x2, bottom + leg_len * 0.6))
    for fx, fy in feet:
        if on["hooves"]:
            draw.rectangle([fx - leg_w * 0.8, fy - 2, fx + leg_w * 0.8, fy + leg_w * 0.8], fill=(30, 25, 20))
        elif on["paws"]:
            draw.ellipse([fx - leg_w, fy - leg_w * 0.6, fx + leg_w * 1.2, fy + leg_w * 0.8], fill=outline)
        if on["hands"]:
            for d in (-1, 0, 1):
                draw.line([fx, fy, fx + d * leg_w, fy + leg_w * 1.2], fill=outline, width=2)
        if on["claws"]:
            for d in (-1, 1):
                draw.polygon([(fx + d * leg_w * 0.6, fy), (fx + d * leg_w * 0.6 + 3, fy), (fx + d * leg_w, fy + 6)],
                             fill=(245, 245, 240))
    if on["flippers"]:
        for fx in (left + w * 0.3, left + w * 0.65):
            draw.polygon([(fx, cy + h * 0.2), (fx - w * 0.18, bottom + h * 0.45), (fx + w * 0.12, bottom + h * 0.3)],
                         fill=outline)

    # tail and wings behind the body
    if on["tail"]:
        tx, ty = (left + w * 0.05, cy) if not upright else (cx, bottom - h * 0.1)
        curl = morph["tail_curl"]
        draw.line([tx, ty, tx - w * 0.3, ty - h * 0.3 * curl, tx - w * 0.45, ty - h * 0.6 * curl], fill=outline,
                  width=max(2, int(leg_w * 0.7)))
    if on["flys"]:
        for d in (-1, 1):
            draw.polygon([(cx - w * 0.2, cy), (cx + d * w * 0.15, cy - h * 1.6), (cx + w * 0.3, cy - h * 0.1)],
                         fill=tuple(max(0, v - 30) for v in body), outline=outline)

    # the body, its belly and its coat
    draw.ellipse([left, top, right, bottom], fill=body, outline=outline, width=2)
    if rng.random() < 0.85:
        bh = h * morph["belly_size"]
        draw.chord([left + w * 0.1, bottom - 2 * bh, right - w * 0.1, bottom - 2], 0, 180, fill=morph["belly"])
    if on["stripes"]:
        n = int(rng.integers(4, 8))
        for k in range(n):
            x = left + w * (k + 0.5) / n + rng.uniform(-2, 2)
            draw.line([x, top + h * 0.12, x + rng.uniform(-4, 4), bottom - h * 0.12], fill=second,
                      width=max(2, int(w / n / 2.5)))
    if on["spots"]:
        for _ in range(int(rng.integers(6, 13))):
            x, y, r = rng.uniform(left + w * 0.15, right - w * 0.15), rng.uniform(top + h * 0.2, bottom - h * 0.2), rng.uniform(2, 4.5)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=second)
    if on["patches"]:
        for _ in range(int(rng.integers(2, 4))):
            x, y = rng.uniform(left + w * 0.2, right - w * 0.2), rng.uniform(top + h * 0.25, bottom - h * 0.25)
            pts = [(x + rng.uniform(6, 14) * np.cos(a), y + rng.uniform(5, 11) * np.sin(a))
                   for a in np.linspace(0, 2 * np.pi, 7)[:-1]]
            draw.polygon(pts, fill=second)
    if on["furry"]:
        for a in np.linspace(0, 2 * np.pi, 28, endpoint=False):
            x, y = cx + w / 2 * np.cos(a), cy + h / 2 * np.sin(a)
            draw.line([x, y, x + 4 * np.cos(a + rng.uniform(-0.5, 0.5)), y + 4 * np.sin(a + rng.uniform(-0.5, 0.5))],
                      fill=outline, width=2)
    if on["toughskin"]:
        for _ in range(4):
            x = rng.uniform(left + w * 0.2, right - w * 0.2)
            draw.arc([x - 6, cy - h * 0.3, x + 6, cy + h * 0.3], 250, 290, fill=outline, width=2)

    # neck and head
    head_r = h * morph["head"] * (0.8 if on["big"] else 1.0) + 4
    hx, hy = (right - head_r * 0.3, top + head_r * 0.2) if not upright else (cx, top - head_r * 0.6)
    if on["longneck"] and not upright:
        nx, ny = right + w * 0.05, top - h * 0.9
        draw.line([right - w * 0.12, cy - h * 0.1, nx, ny], fill=outline, width=int(head_r * 0.9) + 2)
        draw.line([right - w * 0.12, cy - h * 0.1, nx, ny], fill=body, width=int(head_r * 0.9))
        if on["spots"]:
            for t in (0.3, 0.6):
                x, y = right - w * 0.12 + t * (nx - right + w * 0.12), cy - h * 0.1 + t * (ny - cy + h * 0.1)
                draw.ellipse([x - 2.5, y - 2.5, x + 2.5, y + 2.5], fill=second)
        hx, hy = nx + head_r * 0.2, ny
    head_col = tuple(int(np.clip(v + morph["head_tint"], 0, 255)) for v in body)
    ears = morph["ears"]
    if ears == 1:
        for d in (-0.5, 0.3):
            draw.polygon([(hx + d * head_r, hy - head_r * 0.6), (hx + (d + 0.25) * head_r, hy - head_r * 1.5),
                          (hx + (d + 0.5) * head_r, hy - head_r * 0.6)], fill=head_col, outline=outline)
    elif ears == 2:
        for d in (-0.7, 0.4):
            draw.ellipse([hx + d * head_r, hy - head_r * 1.25, hx + (d + 0.5) * head_r, hy - head_r * 0.65],
                         fill=head_col, outline=outline)
    elif ears == 3:
        draw.ellipse([hx - head_r * 0.9, hy - head_r * 0.5, hx - head_r * 0.3, hy + head_r * 1.0], fill=outline)
    if on["horns"]:
        for d in (-0.35, 0.25):
            draw.polygon([(hx + d * head_r, hy - head_r * 0.7), (hx + (d + 0.15) * head_r, hy - head_r * 2.0),
                          (hx + (d + 0.3) * head_r, hy - head_r * 0.7)], fill=(235, 225, 200), outline=(90, 80, 60))
    draw.ellipse([hx - head_r, hy - head_r * 0.85, hx + head_r, hy + head_r * 0.85], fill=head_col, outline=outline, width=2)
    if morph["mask"] is not None and rng.random() < 0.85:
        draw.ellipse([hx - head_r * 0.1, hy - head_r * 0.6, hx + head_r * 0.75, hy - head_r * 0.05], fill=morph["mask"])
    snout = head_r * morph["snout"] * 2
    mx, my = hx + head_r * 0.85 + snout, hy + head_r * 0.2
    if snout > 1:
        draw.ellipse([hx + head_r * 0.3, hy - head_r * 0.3, mx + 2, hy + head_r * 0.55], fill=head_col, outline=outline)
    eye = max(2.0, head_r * morph["eye"] * 2)
    draw.ellipse([hx + head_r * 0.25 - eye, hy - head_r * 0.35 - eye, hx + head_r * 0.25 + eye, hy - head_r * 0.35 + eye],
                 fill=(250, 250, 250))
    draw.ellipse([hx + head_r * 0.3 - eye / 2, hy - head_r * 0.35 - eye / 2, hx + head_r * 0.3 + eye / 2,
                  hy - head_r * 0.35 + eye / 2], fill=(10, 10, 10))
    if on["tusks"]:
        draw.line([mx - 4, my, mx + 2, my + head_r * 1.1, mx - 3, my + head_r * 1.4], fill=(245, 240, 225), width=3)
    if on["meatteeth"]:
        draw.polygon([(mx - 5, my), (mx - 2, my), (mx - 3.5, my + 5)], fill=(250, 250, 250))
    if on["buckteeth"]:
        draw.rectangle([mx - 3, my, mx, my + 4], fill=(250, 250, 240))
    if on["strainteeth"]:
        for k in range(4):
            draw.line([mx - 10 + 3 * k, my, mx - 10 + 3 * k, my + 4], fill=(230, 230, 220), width=1)


def render(class_index: int, seed: int, size: int = IMAGE_SIZE) -> np.ndarray:
    """One critter of class ``class_index`` (AWA2 order) from ``seed``: (size, size, 3) uint8.

    Deterministic: the same class and seed always give the same pixels.
    """
    from PIL import Image, ImageDraw

    sem = _semantics()
    if not 0 <= class_index < len(sem.class_names):
        raise ZSLDataError(f"critters: class index {class_index} outside 0..{len(sem.class_names) - 1}.")
    rng = np.random.default_rng(seed)
    big = size * _SCALE
    traits = _sample_traits(class_index, rng)
    morph = _class_morphology(sem.class_names[class_index])
    canvas = Image.new("RGB", (big, big))
    draw = ImageDraw.Draw(canvas)
    _background(draw, traits["habitat"], big, rng)
    _clutter(draw, big, rng)

    def place(scale: float, dx: float, dy: float, angle: float, mirror: bool):
        layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        _critter(layer, traits, morph, rng, big, scale)
        if mirror:
            layer = layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        layer = layer.rotate(angle, resample=Image.Resampling.BILINEAR, translate=(dx, dy))
        canvas.paste(layer, (0, 0), layer)

    if traits["on"]["group"]:
        place(0.6, rng.uniform(-0.3, 0.3) * big, -0.25 * big, rng.uniform(-10, 10), bool(rng.random() < 0.5))
    place(rng.uniform(0.8, 1.15), rng.uniform(-0.12, 0.12) * big, rng.uniform(-0.08, 0.12) * big,
          rng.uniform(-15, 15), bool(rng.random() < 0.5))
    image = np.asarray(canvas.resize((size, size), Image.Resampling.LANCZOS), dtype=np.float32)
    brightness = rng.uniform(0.85, 1.15) * (0.45 if traits["on"]["nocturnal"] else 1.0)
    image = image * brightness + rng.normal(0, 8, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


# -- the benchmark's images and split -----------------------------------------------------------

def benchmark_seeds() -> tuple[np.ndarray, np.ndarray]:
    """(labels, seeds) of the benchmark's images: IMAGES_PER_CLASS per class, class-major."""
    n_classes = len(_semantics().class_names)
    labels = np.repeat(np.arange(n_classes), IMAGES_PER_CLASS)
    return labels, BENCHMARK_SEED_BASE + np.arange(labels.size)


def pretraining_seeds(per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """(labels, seeds) of the CNN's own training renders: SEEN classes only, disjoint seeds."""
    seen = _semantics().seen_classes
    labels = np.repeat(seen, per_class)
    return labels, PRETRAIN_SEED_BASE + np.arange(labels.size)


def benchmark_splits(labels: np.ndarray, seed: int = 0) -> dict:
    """trainval / test_seen (20 % of each seen class, seeded) / test_unseen, plus the validation split."""
    sem = _semantics()
    rng = np.random.default_rng(seed)
    trainval, test_seen = [], []
    for c in sem.seen_classes:
        idx = rng.permutation(np.flatnonzero(labels == c))
        k = int(round(TEST_SEEN_FRACTION * idx.size))
        test_seen.append(idx[:k])
        trainval.append(idx[k:])
    trainval = np.sort(np.concatenate(trainval))
    splits = {"trainval": trainval, "test_seen": np.sort(np.concatenate(test_seen)),
              "test_unseen": np.flatnonzero(np.isin(labels, sem.unseen_classes))}
    splits.update(derive_validation_split(labels, trainval, val_classes=sem.validation_classes, seed=seed))
    return splits


def bundle_path() -> Path:
    from .bundled import bundled_data_dir
    return bundled_data_dir() / "critters" / "critters.npz"


@lru_cache(maxsize=2)
def _read_bundle(path: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise ZSLDataError(f"critters: {p} is missing; rebuild it with `python -m zslkit.data.critters_build`.")
    with np.load(p, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load_critters(seed: int = 0) -> ZSLData:
    """The `critters` zero-shot dataset (see module docstring).

    features : (12000, 128) float32, the CNN's penultimate layer (shipped as float16).
    class_embeddings : (50, 85) AWA2's continuous predicate table, L2-normalised per class.
    ``info["original_att"]`` holds the raw strengths / 100 (unknown = 0), ``info["seeds"]`` each
    image's render seed; `images(data, indices)` re-renders pictures. ``seed`` only changes which
    seen images go to ``test_seen`` (default 0 = the fixed split).
    """
    sem = _semantics()
    blob = _read_bundle(str(bundle_path()))
    labels, seeds = benchmark_seeds()
    if blob["features"].shape[0] != labels.size or not np.array_equal(blob["labels"], labels):
        raise ZSLDataError(f"critters: {bundle_path()} does not match this zslkit's image list; rebuild it.")
    return ZSLData(features=blob["features"].astype(np.float32), labels=labels, class_embeddings=sem.matrix,
                   splits=benchmark_splits(labels, seed), class_names=list(sem.class_names),
                   attribute_names=list(sem.attribute_names), name="critters",
                   info={"original_att": np.clip(sem.original, 0, 100) / 100.0, "seeds": seeds,
                         "drawn_attributes": [sem.attribute_names.index(p) for p in DRAWN_PREDICATES],
                         "source": "procedural renders of AWA2's classes; features of a CNN trained on seen-class renders"})


def images(data: ZSLData, indices) -> np.ndarray:
    """Re-render images ``indices`` of a `critters` dataset: (n, 64, 64, 3) uint8."""
    if "seeds" not in data.info:
        raise ZSLDataError(f"{data.name}: no render seeds in data.info; only `critters` images can be re-rendered.")
    idx = np.atleast_1d(np.asarray(indices, dtype=np.int64))
    return np.stack([render(int(data.labels[i]), int(data.info["seeds"][i])) for i in idx])
