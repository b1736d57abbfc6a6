"""Backbeat styles: rock, pop, funk, ballad, gospel, metal."""

from dataclasses import replace

from .base import ELECTRIC_PIANOS, ORGANS, PADS, PIANOS, Style

ROCK = Style(
    name="rock", groove="backbeat eighths", beats_per_bar=4, tempo=(100, 160), swing=(0.5, 0.53),
    progressions={
        "major": ("I | V | vi | IV", "I | IV | V | IV", "I | bVII | IV | I", "I | I | IV | V", "I | iii | IV | V"),
        "mixolydian": ("I | bVII | IV | I", "I | bVII | I | IV", "I | - | bVII IV | I"),
        "minor": ("i | bVII | bVI | bVII", "i | bIII | bVII | iv", "i | bVI | bIII | bVII"),
    },
    drums={
        "verse": {"hat": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "kick": "X... .... X.x. ...."},
        "verse_b": {"hat": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "kick": "X... ...x X... ...."},
        "chorus": {"open": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "kick": "X... ..x. X.x. ...."},
        "chorus_b": {"ride": "X.x. X.x. X.x. X.x.", "snare": ".... X... .... X..o", "kick": "X... ..x. X... ..x."},
        "intro": {"floor": "x.x. x.x. x.x. x.x.", "kick": "X... .... X... ...."},
    },
    bass={"verse": "R-R- R-R- R-R- R-R-", "verse_b": "R--- ..R- R--- 5-8-",
          "chorus": "R-R- R-R- R-R- 5-R-", "intro": "R--- ---- R--- ----"},
    keys={"verse": "X--- ---- X--- ----", "verse_b": "X-.X --.. X-.X --..",
          "chorus": "X-X- X-X- X-X- X-X-", "chorus_b": "X--. X-.X --X- X-..", "intro": "X--- ---- ---- ----"},
    kits=(0, 8, 16), keys_programs=PIANOS[:2] + ORGANS[:3] + (27, 29, 30),
    guitar={"verse": "D--- --DU ---- D-U-", "chorus": "D-D- D-D- D-D- D-D-"}, guitar_programs=(25, 27, 29, 30),
    extra=(("guitar", 0.6),), harmony=(0.1, 0.15, 0.25, 0.2), p_stop=0.3, p_push=0.25, lead_density=0.55,
)

POP = Style(
    name="pop", groove="pop backbeat", beats_per_bar=4, tempo=(84, 128), swing=(0.5, 0.56),
    progressions={
        "major": ("I | V | vi | IV", "vi | IV | I | V", "I | vi | IV | V", "IV | I | V | vi", "I | V/3 | vi | IV",
                  "I | iii | vi | IV", "ii7 | IV | I | V"),
        "minor": ("i | bVI | bIII | bVII", "i | iv | bVI | bVII", "i | bVII | bVI | V7", "bVI | bVII | i | i"),
    },
    drums={
        "verse": {"hat": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "kick": "X... ..X. X... ...."},
        "chorus": {"hat": "xoxo xoxo xoxo xoxo", "snare": ".... X... .... X...", "clap": ".... x... .... x...",
                   "kick": "X..x ..X. X..x ..X."},
        "intro": {"kick": "X... X... X... X...", "hat": "..x. ..x. ..x. ..x."},
        "bridge": {"kick": "X... X... X... X...", "clap": ".... x... .... x...", "hat": "..x. ..x. ..x. ..x."},
    },
    bass={"verse": "R--- ---. R--- --5-", "verse_b": "R-.R --R- R-.R --8-", "chorus": "R-.R .RR- R-.R .R5-",
          "intro": "R--- ---- ---- ----"},
    keys={"verse": "X-.X --X- X-.X --X-", "verse_b": "X--- ---- x--- ----", "chorus": "x-x- x-x- x-x- x-x-",
          "intro": "1.3. 4.5. 2.4. 3.5."},
    kits=(0, 8, 24, 25), keys_programs=PIANOS[:3] + ELECTRIC_PIANOS,
    guitar={"verse": "D-.D .UD- D-.D .UDU", "chorus": "D-DU .UDU D-DU .UDU"}, guitar_programs=(24, 25, 27),
    extra=(("guitar", 0.35), ("pad", 0.25)), harmony=(0.2, 0.2, 0.35, 0.35), p_stop=0.3, p_push=0.35,
)

FUNK = Style(
    name="funk", groove="sixteenth funk", beats_per_bar=4, tempo=(88, 118), swing=(0.5, 0.56),
    progressions={
        "dorian": ("i7 | - | IV7 | -", "i7 | IV7 | i7 | IV7", "i7 | - | - | bVII"),
        "mixolydian": ("I7 | - | - | IV7", "I9 | - | IV9 | -", "I7 | - | bVII | I7"),
        "minor": ("i7 | - | iv7 | bVII7", "i7 | iv7 | i7 | V7"),
    },
    drums={
        "verse": {"hat": "xoxo xoxo xoxo xoxo", "snare": "...o X..o .o.o X..o", "kick": "X.x. ...X ..X. ...."},
        "chorus": {"hat": "xoxo xoxo xoxo xox.", "open": ".... .... .... ...x", "snare": "...o X..o .o.o X...",
                   "kick": "X..X ..X. .X.. X.x."},
    },
    bass={"verse": "R-gR ..8g .R.5 g8.R", "chorus": "R..R 8.RR ..R. 5.8A", "intro": "R--- ---- ..R. 8..."},
    keys={"verse": "..x. .x.. ..x. .x.x", "chorus": "x.xx .x.x .xx. x.x.", "intro": "..x. .x.. ..x. .x.x"},
    kits=(0, 8, 24), bass_programs=(33, 34, 36, 37, 38, 39), keys_programs=ELECTRIC_PIANOS + (7,) + ORGANS[:2],
    keys_range=(58, 79), keys_left_hand=False,
    guitar={"verse": "..D. .mDm ..D. mmD.", "chorus": "m.mD m.mm .Dm. mDm."}, guitar_programs=(27, 28),
    extra=(("guitar", 0.6),), fill="snare", harmony=(0.05, 0.0, 0.0, 0.1), p_stop=0.5, p_push=0.3,
    lead_step=0.25, lead_density=0.4,
)

BALLAD = Style(
    name="ballad", groove="ballad", beats_per_bar=4, tempo=(66, 84), swing=(0.5, 0.56),
    progressions={
        "major": ("I | V/3 | vi | IV", "I | iii | IV | V", "vi | IV | I | V", "I | vi | ii7 | V7sus4",
                  "IV | I/3 | ii7 | V"),
        "minor": ("i | bVI | bIII | V", "i | v | bVI | bVII", "i | iv | bVII | bIII"),
    },
    drums={
        "intro": {"ride": "o... o... o... o..."},
        "verse": {"rim": ".... x... .... x...", "kick": "X... .... X.x. ....", "hat": "o.o. o.o. o.o. o.o."},
        "chorus": {"snare": ".... X... .... X...", "kick": "X... ..x. X... ....", "ride": "x.x. x.x. x.x. x.x."},
    },
    bass={"intro": "R--- ---- ---- ----", "verse": "R--- ---- R--- ----", "chorus": "R--- ---5 R--- ----"},
    keys={"intro": "1.3. 4.5. 2.4. 3.5.", "verse": "1.3. 4.5. 2.4. 3.5.", "chorus": "X--- ---- x--- ----",
          "chorus_b": "1... X... 1... X..."},
    kits=(0, 8, 40), keys_programs=PIANOS[:2] + ELECTRIC_PIANOS, extra=(("pad", 0.5),), fill="light",
    harmony=(0.2, 0.25, 0.4, 0.3), p_stop=0.1, rubato=(0.02, 0.05), p_ritardando=0.85, lead_density=0.45,
)

BALLAD_3_4 = replace(
    BALLAD, groove="ballad in three", beats_per_bar=3,
    drums={
        "intro": {"ride": "o... o... o..."},
        "verse": {"kick": "X... .... ....", "rim": ".... x... x...", "ride": "o.o. o.o. o.o."},
        "chorus": {"kick": "X... .... ..x.", "snare": ".... X... ....", "ride": "x.x. x.x. x.x."},
    },
    bass={"verse": "R--- ---- ----", "chorus": "R--- ---- 5---"},
    keys={"verse": "1.3. 4.3. 5.3.", "chorus": "X--- x--- x---"},
    kits=(0, 40), share=0.5,
)

GOSPEL = Style(
    name="gospel", groove="gospel shuffle", beats_per_bar=4, tempo=(68, 108), swing=(0.56, 0.68),
    progressions={
        "major": ("I | I7 | IV | iv", "I | iii7 VI7 | ii7 | V7", "IV | iv | I/3 | VI7", "I vi7 | ii7 V7 | I I7 | IV iv",
                  "I | I/3 | IV | V7"),
    },
    drums={
        "verse": {"hat": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "tamb": ".... x... .... x...",
                  "kick": "X... ..x. X... .x.."},
        "chorus": {"ride": "x.x. x.x. x.x. x.x.", "snare": "...o X... ...o X..o", "clap": ".... x... .... x...",
                   "kick": "X... ..x. X..x ..x."},
    },
    bass={"verse": "R--- --R. 5--- --A.", "chorus": "R--- -.R. 5--- 8.A."},
    keys={"verse": "X--x ..X- X--x ..X-", "chorus": "x.x. X.x. x.x. X.x.", "intro": "X--- ---- X--- ----"},
    kits=(0, 8), keys_programs=PIANOS[:2] + ORGANS, pad_programs=ORGANS[:3] + PADS[4:6], extra=(("pad", 0.45),),
    fill="snare", harmony=(0.4, 0.3, 0.4, 0.4), p_stop=0.35, p_push=0.25, p_ritardando=0.5,
)

METAL = Style(
    name="metal", groove="double kick", beats_per_bar=4, tempo=(96, 184), swing=(0.5, 0.51),
    progressions={
        "minor": ("i5 | bVI5 | bVII5 | i5", "i5 | - | bVI5 bVII5 | i5", "i5 | iv5 | bVI5 | V5"),
        "phrygian": ("i5 | bII5 | i5 | bII5", "i5 | bII5 | bVII5 | i5"),
    },
    drums={
        "verse": {"hat": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "kick": "X.X. X.X. X.X. X.X."},
        "verse_b": {"ride": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "kick": "X.XX X.XX X.XX X.XX"},
        "chorus": {"china": "x... x... x... x...", "snare": ".... X... .... X...", "kick": "XxXx XxXx XxXx XxXx"},
        "bridge": {"ride": "x... x... x... x...", "snare": ".... .... X... ....", "kick": "X... ..X. .... ...."},
    },
    bass={"verse": "R-R- R-R- R-R- R-R-", "verse_b": "R.RR R.RR R.RR R.RR", "chorus": "R--- ---- R--- ----",
          "bridge": "R--- ---- ---- ----"},
    keys={"verse": "X.X. X.X. X.X. X.X.", "verse_b": "X.XX X.XX X.XX X.XX", "chorus": "X--- ---- X--- ----",
          "bridge": "X--- ---- ---- ----"},
    kits=(16, 0), bass_programs=(33, 34, 38), keys_programs=(29, 30, 18), keys_range=(40, 64), keys_left_hand=False,
    pad_programs=(48, 52, 89, 91), extra=(("pad", 0.3),), harmony=(0.0, 0.0, 0.0, 0.15), p_stop=0.4,
    lead_step=0.25, lead_density=0.35,
)

POPULAR = (ROCK, POP, FUNK, BALLAD, BALLAD_3_4, GOSPEL, METAL)
