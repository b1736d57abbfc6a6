"""Swing, dance and folk styles: blues shuffle, jazz swing, bossa nova, waltz, folk, latin."""

from dataclasses import replace

from .base import ELECTRIC_PIANOS, ORGANS, PIANOS, Style

BLUES = Style(
    name="blues_shuffle", groove="shuffle", beats_per_bar=4, tempo=(72, 132), swing=(0.62, 0.68),
    progressions={
        "mixolydian": ("I7 | IV7 | I7 | I7 | IV7 | IV7 | I7 | I7 | V7 | IV7 | I7 | V7",
                       "I7 | I7 | I7 | I7 | IV7 | IV7 | I7 | I7 | V7 | IV7 | I7 | I7",
                       "I7 | V7 | IV7 | IV7 | I7 | V7 | I7 | V7"),
        "minor": ("i7 | iv7 | i7 | i7 | iv7 | iv7 | i7 | i7 | bVI7 | V7 | i7 | V7",),
    },
    drums={
        "verse": {"hat": "x.x. x.x. x.x. x.x.", "snare": ".... X... .... X...", "kick": "x... x... x... x..."},
        "chorus": {"ride": "x.x. x.x. x.x. x.x.", "snare": ".... X..o .... X..o", "kick": "X... ..x. X... ..x."},
    },
    bass={"verse": "R.3. 5.6. 7.6. 5.3.", "verse_b": "R.R. 5.5. 6.6. 5.5.", "chorus": "R.3. 5.6. 7.6. 5.3."},
    keys={"verse": "..x. ..x. ..x. ..x.", "verse_b": "X--- --x. X--- --x.", "chorus": "x.x. x.x. x.x. x.x."},
    kits=(0, 8, 32), keys_programs=PIANOS[:2] + ORGANS[:3] + ELECTRIC_PIANOS[:1],
    guitar={"verse": "D.d. D.d. D.d. D.d."}, guitar_programs=(25, 26, 27, 29), extra=(("guitar", 0.4),),
    fill="snare", harmony=(0.0, 0.0, 0.0, 0.1), p_stop=0.35,
)

JAZZ = Style(
    name="jazz_swing", groove="swing ride", beats_per_bar=4, tempo=(110, 190), swing=(0.56, 0.68),
    progressions={
        "major": ("ii7 | V7 | Imaj7 | -", "Imaj7 | vi7 | ii7 | V7", "Imaj7 vi7 | ii7 V7 | iii7 vi7 | ii7 V7",
                  "iii7 | VI7 | ii7 | V7", "Imaj7 | I7 | IVmaj7 | iv7", "ii7 | V7 | iii7 VI7 | ii7 V7"),
        "minor": ("iiø7 | V7 | i7 | -", "i7 | iv7 | iiø7 | V7", "i6 | iv7 | V7 | i6"),
    },
    drums={
        "verse": {"ride": "x... x.x. x... x.x.", "pedal": ".... x... .... x...", "kick": "o... o... o... o..."},
        "chorus": {"ride": "X... x.x. X... x.x.", "pedal": ".... x... .... x...", "snare": ".... .... ...o ..o.",
                   "kick": "o... o... o... o..."},
        "intro": {"ride": "x... x.x. x... x.x.", "pedal": ".... x... .... x..."},
    },
    bass={"verse": "walk", "chorus": "walk", "intro": "R--- ---- 5--- ----", "verse_b": "R--- ---- 5--- ----"},
    keys={"verse": "x-.. ..x. .... ....", "verse_b": "..x. .... .x.. ....", "chorus": "x-.. ..x. ..x. ....",
          "intro": "x--- ---- ---- ----"},
    kits=(32, 40, 0), keys_programs=PIANOS[:2] + ELECTRIC_PIANOS + (26,), keys_left_hand=False, keys_rootless=True,
    guitar={"verse": "d... d... d... d..."}, guitar_programs=(26,), extra=(("guitar", 0.3),), fill="jazz",
    harmony=(0.35, 0.1, 0.1, 0.25), p_stop=0.2, p_ritardando=0.3, lead_density=0.6,
)

JAZZ_WALTZ = replace(
    JAZZ, groove="jazz waltz", beats_per_bar=3, tempo=(110, 180), swing=(0.56, 0.66),
    drums={
        "verse": {"ride": "x... x.x. x.x.", "pedal": ".... x... ....", "kick": "o... .... ...."},
        "chorus": {"ride": "X... x.x. x.x.", "pedal": ".... x... x...", "snare": ".... .... ..o.", "kick": "o... .... ...."},
    },
    bass={"verse": "walk", "chorus": "walk", "intro": "R--- ---- 5---"},
    keys={"verse": ".... x... ..x.", "chorus": "x-.. ..x. ....", "intro": "x--- ---- ----"},
    kits=(32, 40), guitar={}, extra=(), p_stop=0.15, lead_density=0.55, share=0.4,
)

BOSSA = Style(
    name="bossa_nova", groove="bossa clave", beats_per_bar=4, tempo=(118, 150), swing=(0.5, 0.53),
    progressions={
        "major": ("Imaj7 | - | II7 | - | ii7 | V7 | Imaj7 | -", "Imaj7 | vi7 | ii7 | V7", "ii7 | V7 | Imaj7 | VI7",
                  "Imaj7 | bVII7 | Imaj7 | bVII7"),
        "minor": ("i7 | - | iv7 | - | iiø7 | V7 | i7 | -", "i6 | iiø7 V7 | i6 | iv7"),
    },
    drums={
        "verse": {"rim": "x... ..x. .... x... .... x... ..x. ....", "kick": "x... ..x. x... ..x.",
                  "hat": "x.x. x.x. x.x. x.x."},
        "chorus": {"rim": "x... ..x. .... x... .... x... ..x. ....", "kick": "x... ..x. x... ..x.",
                   "ride": "x.x. x.x. x.x. x.x."},
        "intro": {"shaker": "xoxo xoxo xoxo xoxo"},
    },
    bass={"verse": "R--- --5- 5--- --5-", "verse_b": "R--- --5- 5--- --R-", "intro": "R--- ---- 5--- ----"},
    keys={"verse": "x..x ..x. .x.. x... .x.. x..x ..x. ....", "chorus": "x..x ..x. .x.. x..x",
          "intro": "x--- ---- ---- ----"},
    kits=(40, 32, 0), keys_programs=PIANOS[:2] + ELECTRIC_PIANOS + (24,), keys_left_hand=False, keys_rootless=True,
    guitar={"verse": "D..D ..D. .D.. D..."}, guitar_programs=(24,), extra=(("guitar", 0.5),), fill="light",
    harmony=(0.3, 0.1, 0.2, 0.2), p_stop=0.1, lead_density=0.45,
)

WALTZ = Style(
    name="waltz", groove="oom-pah-pah", beats_per_bar=3, tempo=(84, 168), swing=(0.5, 0.58),
    progressions={
        "major": ("I | IV | V7 | I", "I | vi | ii | V7", "I | I7 | IV | iv", "I | - | V7 | - | V7 | - | I | -"),
        "minor": ("i | iv | V7 | i", "i | bVI | iiø7 | V7"),
    },
    drums={
        "verse": {"kick": "X... .... ....", "hat": ".... x... x...", "rim": ".... x... x..."},
        "chorus": {"kick": "X... .... ....", "snare": ".... x... x...", "ride": "x.x. x.x. x.x."},
    },
    bass={"verse": "R--- ---- ----", "verse_b": "R--- ---- 5---", "chorus": "R--- ---- 5---"},
    keys={"verse": "l... u... u...", "verse_b": "X--- x--- x---", "intro": "1.3. 4.5. 3.4.", "chorus": "l... u... u..."},
    kits=(0, 32, 40), keys_programs=PIANOS[:2] + (21, 23), extra=(("pad", 0.3),), fill="light",
    harmony=(0.25, 0.15, 0.25, 0.2), p_stop=0.15, p_ritardando=0.5,
)

FOLK = Style(
    name="folk", groove="folk strum", beats_per_bar=4, tempo=(88, 140), swing=(0.5, 0.58),
    progressions={
        "major": ("I | IV | I | V", "I | V | IV | I", "I | - | IV | I | V | - | I | -", "vi | IV | I | V",
                  "I | vi | IV | V"),
        "mixolydian": ("I | bVII | IV | I", "I | bVII | I | bVII"),
        "dorian": ("i | IV | i | IV", "i | bVII | i | bVII", "i | bIII | bVII | i"),
    },
    drums={
        "verse": {"kick": "X... .... X... ....", "rim": ".... x... .... x...", "tamb": "..x. ..x. ..x. ..x."},
        "chorus": {"kick": "X... ..x. X... ....", "snare": ".... X... .... X...", "hat": "x.x. x.x. x.x. x.x."},
        "intro": {"tamb": "..x. ..x. ..x. ..x."},
    },
    bass={"verse": "R--- 5--- R--- 5---", "chorus": "R-.R 5-.5 R-.R 5-.5"},
    keys={"verse": "X--. X-x- X--. X-x-", "verse_b": "1.4. 2.4. 1.4. 2.4.", "chorus": "X-x- X-x- X-x- X-x-"},
    kits=(0, 8, 40), keys_programs=PIANOS[:2] + (21, 24, 25), guitar={"verse": "D-DU .UDU D-DU .UDU"},
    guitar_programs=(24, 25), extra=(("guitar", 0.6),), fill="light", harmony=(0.1, 0.1, 0.25, 0.15), p_stop=0.15,
    p_push=0.15,
    rubato=(0.0, 0.01),
)

FOLK_3_4 = replace(
    FOLK, groove="folk in three", beats_per_bar=3, tempo=(90, 150), swing=(0.5, 0.56),
    drums={
        "verse": {"kick": "X... .... ....", "tamb": ".... x... x..."},
        "chorus": {"kick": "X... .... ....", "snare": ".... x... x...", "hat": "x.x. x.x. x.x."},
    },
    bass={"verse": "R--- ---- 5---", "chorus": "R--- 5--- 5---"},
    keys={"verse": "X--- x--- x---", "verse_b": "1... 3... 4...", "chorus": "X--- x-x- x-x-"},
    kits=(0, 40), guitar={"verse": "D--- D-U- D-U-"}, p_stop=0.1, share=0.6,
)

LATIN = Style(
    name="latin", groove="son clave 3-2", beats_per_bar=4, tempo=(150, 190), swing=(0.5, 0.52),
    progressions={
        "minor": ("i | iv | V7 | i", "i iv | V7 iv", "i | bVII | bVI | V7"),
        "major": ("I IV | V7 IV", "I | IV | V7 | IV", "ii7 | V7 | I | -"),
    },
    drums={
        "verse": {"clave": "x... ..x. .... x... .... x... x... ....", "cowbell": "X... x... X... x...",
                  "conga_mute": ".... x... .... ....", "conga_hi": ".... .... .... x.x.",
                  "kick": ".... ..x. .... x...", "shaker": "x.x. x.x. x.x. x.x."},
        "chorus": {"clave": "x... ..x. .... x... .... x... x... ....", "cowbell": "X.x. X.x. X.x. X.x.",
                   "conga_mute": ".... x... .... ....", "conga_hi": ".... .... .... x.x.",
                   "conga_lo": "..x. .... ..x. ....", "timbale_hi": "x..x ..x. .x.. x...",
                   "kick": ".... ..x. .... x..."},
    },
    bass={"verse": ".... ..R- ---- N---", "verse_b": ".... ..5- ---- N---", "intro": "R--- ---- ---- ----"},
    keys={"verse": "montuno", "intro": "X--- ---- ---- ----"},
    kits=(0, 8), keys_programs=PIANOS[:3], keys_range=(60, 84), keys_left_hand=False,
    guitar={"verse": "..D. .D.. D.D. .D.."}, guitar_programs=(24, 25), extra=(("guitar", 0.3),), fill="latin",
    harmony=(0.1, 0.0, 0.1, 0.1), p_stop=0.3, p_push=0.5, lead_density=0.5,
)

TRADITIONAL = (BLUES, JAZZ, JAZZ_WALTZ, BOSSA, WALTZ, FOLK, FOLK_3_4, LATIN)
