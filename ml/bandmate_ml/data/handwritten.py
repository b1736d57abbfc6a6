"""Hand-written held-out songs in styles, meters and tempi the generator never plays.

They test whether the accompanist follows music rather than songgen's habits: a 5/4 jazz vamp at
172, a 7/8 (2+2+3) Balkan dance, a 6/8 jig, a two-beat country tune at 208 and a reggae one-drop at
62. The generator plays 3/4 and 4/4 at 66-190 BPM; tests/test_songgen.py checks that every song
here is outside that. Meters in eighths (6/8, 7/8) count the eighth as the beat.
"""

from __future__ import annotations

from .sketch import Sketch, pitch, voicing
from .song import Song


def jazz_in_five() -> Sketch:
    """Eb minor vamp in 5/4 (Ebm7 for three beats, Bbm7 for two), a bridge, alto sax."""
    s = Sketch("jazz_5_4", 900_001, 172.0, 5, 4, 3, "minor", "5/4 swing", 0.64,
               {"drums": 32, "bass": 32, "keys": 0, "lead": 65})
    s.sections = [("intro", 2), ("verse", 8), ("bridge", 4), ("verse", 2), ("outro", 1)]
    bridge = ["Bmaj7", "Abm7", "Bbm7", "Ebm7"]
    bridge = {10: "Bmaj7", 11: "Abm7", 12: "Bbm7", 13: "Ebm7"}
    for bar in range(16):
        s.drums(bar, 2, {"ride": "x. xx x. xx x.", "pedal": ".. x. .. x. ..", "snare": ".. .. .. x. .o",
                         "kick": "o. .. .. .. .."})
        if bar in bridge:
            name = bridge[bar]
            root = _name(voicing(name, 35)[0])
            s.chord(bar, 0, name)
            s.hit("keys", bar * 5, 2.5, voicing(name, 53), 72)
            s.hit("keys", bar * 5 + 3, 1.5, voicing(name, 53), 66)
            s.line("bass", bar * 5, f"{root}/2 {_name(pitch(root) + 7)}/1 {root}/2", 88)
            continue
        s.chord(bar, 0, "Ebm7")
        s.chord(bar, 3, "Bbm7")
        s.hit("keys", bar * 5, 1.4, voicing("Ebm7", 53), 74)
        s.hit("keys", bar * 5 + 1.5, 1.4, voicing("Ebm7", 53), 66)
        s.hit("keys", bar * 5 + 3, 0.9, voicing("Bbm7", 53), 72)
        s.hit("keys", bar * 5 + 4, 0.9, voicing("Bbm7", 53), 64)
        s.line("bass", bar * 5, "Eb2/1 Gb2/1 Bb2/1 Bb1/1 Db2/1", 90)
    s.ending(16, "Ebm7", 53, "Eb2")
    a = ["Bb4/1.5 Gb4/.5 Bb4/.5 Db5/.5 Eb5/1 r/1", "Db5/1 Bb4/1 Ab4/.5 Gb4/.5 Ab4/2",
         "Bb4/1.5 Gb4/.5 Bb4/.5 Db5/.5 Eb5/1 Gb5/1", "F5/1 Eb5/1 Db5/1 Bb4/1 r/1"]
    beat = s.tune("lead", 2 * 5, a + a, 92)
    beat = s.tune("lead", beat, ["Bb4/3 F#4/2", "Eb5/2 Cb5/1 Ab4/2", "Db5/2 F5/1 Ab4/2", "Gb4/4 r/1"], 88)
    s.tune("lead", beat, a[:2] + ["Eb5/5"])
    return s


def balkan_seven() -> Sketch:
    """D phrygian dominant in 7/8 grouped 2+2+3, accordion after-beats, clarinet."""
    s = Sketch("balkan_7_8", 900_002, 320.0, 7, 8, 2, "phrygian_dominant", "2+2+3", 0.5,
               {"drums": 0, "bass": 33, "keys": 21, "lead": 71})
    s.sections = [("intro", 2), ("verse", 8), ("chorus", 8), ("outro", 4)]
    form = ["D", "D"] + ["D", "D", "Gm", "D", "Eb", "Eb", "D", "D"] * 2 + ["D", "Eb", "D"]
    for bar, name in enumerate(form):
        s.chord(bar, 0, name)
        s.drums(bar, 1, {"kick": "x...x..", "snare": "..x...o", "hat": "XxXxXxx", "bongo_hi": ".x.x.xx"})
        for eighth in (1, 3, 5, 6):
            s.hit("keys", bar * 7 + eighth, 0.8, voicing(name, 57), 70 if eighth != 5 else 78)
        root = _low(name)
        s.line("bass", bar * 7, f"{root}/2 {_name(pitch(root) + 7)}/2 {_name(pitch(root) + 12)}/3", 92)
    tune = ["A4/1 D5/1 F#5/1 A5/1 G5/1 F#5/1 Eb5/1", "D5/1 Eb5/1 F#5/1 G5/1 A5/3",
            "Bb5/1 A5/1 G5/1 A5/1 Bb5/1 A5/1 G5/1", "F#5/1 G5/1 A5/1 G5/1 F#5/3",
            "G5/1 F#5/1 Eb5/1 F#5/1 G5/1 Bb5/1 G5/1", "Eb5/1 D5/1 Eb5/1 G5/1 Bb5/3",
            "A5/1 G5/1 F#5/1 Eb5/1 D5/1 Eb5/1 F#5/1", "D5/4 r/3"]
    s.ending(len(form), "D", 57, "D2")
    beat = s.tune("lead", s.tune("lead", 2 * 7, tune, 86), tune, 96)
    s.tune("lead", beat, ["A5/2 G5/2 F#5/3", "G5/2 F#5/2 Eb5/3", "F#5/1 Eb5/1 D5/5", "D5/7"])
    return s


def jig() -> Sketch:
    """G major jig in 6/8: fiddle tune AAB-ish over bodhran-like drums and a piano vamp."""
    s = Sketch("jig_6_8", 900_003, 345.0, 6, 8, 7, "major", "jig", 0.5,
               {"drums": 0, "bass": 32, "keys": 0, "lead": 40})
    s.sections = [("intro", 2), ("verse", 8), ("chorus", 8), ("verse", 8), ("outro", 1)]
    part_a = ["G", "C", "G", "D", "G", "C", "D", "G"]
    part_b = ["Em", "C", "G", "D", "Em", "C", "D", "G"]
    form = ["G", "D"] + part_a + part_b + part_a
    for bar, name in enumerate(form):
        s.chord(bar, 0, name)
        s.drums(bar, 1, {"kick": "x..x..", "floor": ".oo.oo", "snare": "...x.."})
        lo = voicing(name, 43)[0]  # the left hand's root, G2 ... F#3
        s.hit("keys", bar * 6, 1, [lo], 76)
        s.hit("keys", bar * 6 + 2, 0.8, voicing(name, 60), 64)
        s.hit("keys", bar * 6 + 3, 1, [lo + 7 if lo + 7 < 55 else lo - 5], 72)
        s.hit("keys", bar * 6 + 5, 0.8, voicing(name, 60), 62)
        bass = lo - 12 if lo >= 48 else lo
        s.line("bass", bar * 6, f"{_name(bass)}/3 {_name(bass + 7)}/3", 88)
    a = ["G5/2 B5/1 D6/1 B5/1 G5/1", "E5/2 G5/1 C6/2 E5/1", "D5/1 G5/1 B5/1 D6/2 B5/1",
         "A5/2 F#5/1 D5/1 E5/1 F#5/1", "G5/2 B5/1 D6/1 B5/1 G5/1", "E5/1 G5/1 C6/1 B5/1 A5/1 G5/1",
         "F#5/1 A5/1 D6/1 C6/1 A5/1 F#5/1", "G5/3 G5/2 r/1"]
    b = ["B5/2 E6/1 B5/1 G5/1 E5/1", "C6/2 E6/1 C6/1 G5/1 E5/1", "D6/2 B5/1 G5/1 B5/1 D6/1",
         "A5/2 D6/1 A5/1 F#5/1 D5/1", "E5/1 G5/1 B5/1 E6/2 D6/1", "C6/1 B5/1 A5/1 G5/2 E5/1",
         "F#5/1 G5/1 A5/1 D5/1 E5/1 F#5/1", "G5/3 r/3"]
    s.ending(len(form), "G", 55, "G2")
    s.tune("lead", 2 * 6, a + b + a + ["G5/6"])
    return s


def country_two_beat() -> Sketch:
    """A major two-beat at 208: boom-chick bass and piano, train-beat drums, harmonica."""
    s = Sketch("country_two_beat", 900_004, 208.0, 4, 4, 9, "major", "two-beat", 0.52,
               {"drums": 0, "bass": 33, "keys": 1, "lead": 22})
    s.sections = [("intro", 2), ("verse", 8), ("chorus", 8), ("verse", 8), ("outro", 1)]
    part_a = ["A", "A", "D", "D", "E7", "E7", "A", "A"]
    part_b = ["D", "D", "A", "A", "B7", "B7", "E7", "E7"]
    form = ["A", "E7"] + part_a + part_b + part_a
    for bar, name in enumerate(form):
        s.chord(bar, 0, name)
        root = voicing(name, 40)[0]
        s.drums(bar, 2, {"kick": "x...x...", "snare": "..X...X.", "hat": "x.x.x.x.", "tamb": ".x.x.x.x"})
        s.hit("keys", bar * 4 + 1, 0.45, voicing(name, 57), 72)
        s.hit("keys", bar * 4 + 3, 0.45, voicing(name, 57), 70)
        nxt = form[bar + 1] if bar + 1 < len(form) else "A"
        if nxt != name:  # walk up into the next chord
            target = voicing(nxt, 40)[0]
            s.line("bass", bar * 4, f"{_name(root)}/1 {_name(root + 7 - 12)}/1 "
                   f"{_name(target - 3)}/1 {_name(target - 1)}/1", 90)
        else:
            s.line("bass", bar * 4, f"{_name(root)}/2 {_name(root + 7 - 12)}/2", 90)
    a = ["E5/1 C#5/1 E5/1 A5/1", "F#5/1 E5/1 C#5/1 A4/1", "D5/1 F#5/1 A5/2", "F#5/1 E5/1 D5/2",
         "E5/1 G#5/1 B5/1 G#5/1", "D5/1 E5/.5 F#5/.5 E5/1 D5/1", "C#5/1 E5/1 A5/1 E5/1", "A4/2 r/2"]
    b = ["F#5/1 A5/1 D6/2", "A5/1 F#5/1 D5/2", "E5/1 A5/1 C#6/2", "A5/1 E5/1 C#5/2",
         "D#5/1 F#5/1 A5/1 B5/1", "A5/1 F#5/1 D#5/2", "E5/1 G#5/1 B5/1 D6/1", "B5/2 G#5/2"]
    s.ending(len(form), "A", 57, "A2")
    s.tune("lead", 2 * 4, a + b + a + ["A5/4"], 92)
    return s


def reggae_one_drop() -> Sketch:
    """A minor one-drop at 62: kick and rim only on three, skank on two and four, trumpet line."""
    s = Sketch("reggae_one_drop", 900_005, 62.0, 4, 4, 9, "minor", "one-drop", 0.6,
               {"drums": 0, "bass": 33, "keys": 17, "lead": 56})
    s.sections = [("intro", 1), ("verse", 4), ("chorus", 2), ("outro", 1)]
    form = ["Am", "Am", "Dm", "Am", "Em", "F", "G"]
    bass = {"Am": "r/1 A2/.75 C3/.25 E3/1 D3/.5 C3/.5", "Dm": "r/1 D3/.75 F3/.25 A3/1 G3/.5 F3/.5",
            "Em": "r/1 E2/.75 G2/.25 B2/1 A2/.5 G2/.5", "F": "r/1 F2/.75 A2/.25 C3/1 A2/.5 F2/.5",
            "G": "r/1 G2/.75 B2/.25 D3/1 B2/.5 G2/.5"}
    for bar, name in enumerate(form):
        s.chord(bar, 0, name)
        s.drums(bar, 4, {"kick": ".... .... X... ....", "rim": ".... .... X... ....",
                         "hat": "x.x. x.x. x.x. x.xo", "open": ".... .... .... ..x." if bar % 2 else "." * 16})
        s.hit("keys", bar * 4 + 1, 0.3, voicing(name, 60), 74)
        s.hit("keys", bar * 4 + 3, 0.3, voicing(name, 60), 72)
        s.line("bass", bar * 4, bass[name], 94)
    s.ending(len(form), "Am", 57, "A2")
    s.tune("lead", 4.0, ["r/1 E5/1 C5/.5 D5/.5 E5/1", "F5/1.5 E5/.5 D5/1 A4/1", "r/1 E5/1 G5/.5 E5/.5 C5/1",
                         "B4/2 G4/1 r/1", "A5/1 G5/.5 F5/.5 C5/2", "B4/1 D5/1 G5/2", "A4/4"])
    return s


def _name(midi: int) -> str:
    names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"]
    return f"{names[midi % 12]}{midi // 12 - 1}"


def _low(chord: str) -> str:
    """The chord's root in the bass register (D2 ... C#3)."""
    return _name(voicing(chord, 38)[0])


SONGS = (jazz_in_five, balkan_seven, jig, country_two_beat, reggae_one_drop)


def handwritten_songs() -> list[Song]:
    return [write().song() for write in SONGS]
