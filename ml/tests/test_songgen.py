"""The song generator is seeded and reproducible, plays like a band, and its parts agree."""

import io
import random
import time
from dataclasses import replace

import mido
import numpy as np
import pytest

from bandmate_ml.data.harmony import Chord, parse_chord, reharmonise
from bandmate_ml.data.humanize import swing
from bandmate_ml.data.songgen import STYLE_NAMES, _key_plan, generate_song, stem_to_midi
from bandmate_ml.data.song import MIDI_TICKS_PER_SECOND, ROLES
from bandmate_ml.data.styles import METERS, STYLES, TEMPO_RANGE
from bandmate_ml.instruments import INSTRUMENTS

REQUIRED_STYLES = {"rock", "pop", "funk", "blues_shuffle", "jazz_swing", "bossa_nova", "waltz", "folk", "ballad",
                   "latin", "gospel", "metal"}


@pytest.fixture(scope="module")
def songs():
    return [generate_song(seed, 30, 60) for seed in range(500)]


def _midi_bytes(song):
    out = []
    for stem in song.stems:
        buf = io.BytesIO()
        stem_to_midi(song, stem).save(file=buf)
        out.append(buf.getvalue())
    return out


def test_same_seed_same_song():
    a, b = generate_song(1234), generate_song(1234)
    assert a.describe() == b.describe()
    assert _midi_bytes(a) == _midi_bytes(b)
    assert np.array_equal(a.beat_times, b.beat_times) and a.chords == b.chords


def test_different_seeds_differ():
    assert _midi_bytes(generate_song(1)) != _midi_bytes(generate_song(2))


def test_every_style_is_played(songs):
    assert set(STYLE_NAMES) == REQUIRED_STYLES
    assert {s.style for s in songs} == REQUIRED_STYLES
    assert {(s.style, s.beats_per_bar) for s in songs} == {(st.name, st.beats_per_bar) for st in STYLES}


def test_structure(songs):
    for s in songs[:100]:
        names = [st.name for st in s.stems]
        assert names[:4] == ["drums", "bass", "keys", "lead"] and set(names[4:]) <= {"guitar", "pad"}
        assert len(names) <= 5 and set(names) <= set(ROLES)
        assert s.stems[0].is_drum and s.stems[1].instrument_class == "bass"
        assert all(st.instrument_class in INSTRUMENTS for st in s.stems)
        assert all(len(st.notes) > 0 for st in s.stems)
        assert s.bars == len(s.beat_times) // s.beats_per_bar
        assert 25 <= s.duration_s <= 72, s.describe()
    assert any(len(s.stems) == 5 for s in songs) and any(len(s.stems) == 4 for s in songs)
    assert len({st.program for s in songs for st in s.stems if st.name == "keys"}) >= 10


def test_beat_times_follow_the_tempo(songs):
    for s in songs:
        d = np.diff(s.beat_times)
        assert len(s.beat_times) == s.bars * s.beats_per_bar and s.beat_times[0] == 0.0
        assert np.all(d > 0) and s.beat_times[-1] < s.duration_s
        assert abs(np.median(d) / (60.0 / s.tempo) - 1) < 0.05, s.describe()
        assert np.array_equal(s.downbeat_times, s.beat_times[:: s.beats_per_bar])
        deviation = np.abs(60.0 / d / s.tempo - 1)
        assert deviation.max() > 0.015  # it drifts ...
        assert deviation[: -2 * s.beats_per_bar].max() < 0.15  # ... within reason before any ritardando


def test_notes_lie_inside_the_song(songs):
    for s in songs:
        for st in s.stems:
            for n in st.notes:
                assert 0 <= n.start_s < n.end_s <= s.duration_s + 1e-9
                assert 0 <= n.pitch <= 127 and 1 <= n.velocity <= 127


def _grid_error_s(song, times):
    """How far onsets sit from the swung sixteenth grid of the song's own tempo map, in seconds."""
    bt = np.concatenate([song.beat_times, [song.duration_s]])
    i = np.clip(np.searchsorted(bt, times, side="right") - 1, 0, len(song.beat_times) - 1)
    beat_s = bt[i + 1] - bt[i]
    f = (times - bt[i]) / beat_s
    a = song.swing
    straight = np.where(f <= a, f / a * 0.5, 0.5 + (f - a) / (1 - a) * 0.5)
    return np.abs(straight * 4 - np.round(straight * 4)) / 4 * beat_s


def test_drums_are_the_tightest_part(songs):
    errors = {}
    for s in songs[:200]:
        for st in s.stems:
            errors.setdefault(st.name, []).extend(_grid_error_s(s, np.array([n.start_s for n in st.notes])))
    med = {k: float(np.median(v)) for k, v in errors.items()}
    assert med["drums"] < 0.004
    assert all(med["drums"] < med[k] for k in med if k != "drums"), med


def test_bass_on_the_downbeat_is_in_the_chord(songs):
    hits = total = 0
    for s in songs:
        bass = np.array([(n.start_s, n.pitch) for n in s.stem("bass").notes])
        for t in s.downbeat_times:
            near = bass[np.abs(bass[:, 0] - t) < 0.04]
            chord = s.chord_at(t + 0.001)
            for _, pitch in near:
                total += 1
                hits += int(pitch) % 12 in chord.pitch_classes
    assert total > 3000 and hits / total >= 0.8, hits / total


def test_keys_play_the_sounding_chord(songs):
    hits = total = 0
    for s in songs:
        for n in s.stem("keys").notes:
            chord = s.chord_at(min(n.start_s + 0.05, (n.start_s + n.end_s) / 2))
            total += 1
            hits += chord is not None and n.pitch % 12 in chord.pitch_classes
    assert hits / total >= 0.9, hits / total


def test_chords_cover_the_song(songs):
    for s in songs[:100]:
        assert s.chords[0].start_s == 0.0 and abs(s.chords[-1].end_s - s.duration_s) < 1e-6
        assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(s.chords, s.chords[1:]))
        assert all(c.root_pc in c.pitch_classes for c in s.chords)


def test_swing_moves_the_offbeat_eighth(songs):
    assert swing(np.array([0.0, 0.5, 1.5, 2.25]), 0.6).tolist() == pytest.approx([0.0, 0.6, 1.6, 2.3])
    measured, wanted = [], []
    for s in songs:
        bt = s.beat_times
        t = np.array([n.start_s for n in s.stem("drums").notes])
        i = np.searchsorted(bt, t, side="right") - 1
        ok = (i >= 0) & (i < len(bt) - 1)
        f = (t[ok] - bt[i[ok]]) / (bt[i[ok] + 1] - bt[i[ok]])
        off = f[(f > 0.45) & (f < 0.72)]
        if len(off) >= 20:
            measured.append(np.median(off))
            wanted.append(s.swing)
    measured, wanted = np.array(measured), np.array(wanted)
    assert len(measured) > 200 and np.abs(measured - wanted).max() < 0.02
    assert wanted.min() <= 0.51 and wanted.max() >= 0.66


def test_midi_ticks_are_seconds():
    s = generate_song(7)
    for stem in s.stems:
        mid = stem_to_midi(s, stem)
        assert mid.ticks_per_beat * 2 == MIDI_TICKS_PER_SECOND
        msgs, now, onsets = mid.tracks[0], 0, []
        assert any(m.type == "program_change" and m.program == stem.program for m in msgs)
        assert any(m.type == "time_signature" and m.numerator == s.beats_per_bar for m in msgs)
        for m in msgs:
            now += m.time
            if m.type == "note_on":
                onsets.append(now / MIDI_TICKS_PER_SECOND)
                assert m.channel == (9 if stem.is_drum else 0)
        want = sorted(n.start_s for n in stem.notes)
        assert np.allclose(sorted(onsets), want, atol=1 / MIDI_TICKS_PER_SECOND)
    assert mido.MidiFile(file=io.BytesIO(_midi_bytes(s)[0])).length > 0


def test_five_hundred_songs_are_quick():
    t0 = time.perf_counter()
    for seed in range(10_000, 10_500):
        generate_song(seed)
    assert time.perf_counter() - t0 < 20


def test_handwritten_songs_are_held_out(songs):
    hand = pytest.importorskip("bandmate_ml.data.handwritten").handwritten_songs()
    assert 4 <= len(hand) <= 6
    generated = {(s.beats_per_bar, s.beat_unit) for s in songs}
    assert generated <= METERS
    lo, hi = TEMPO_RANGE
    assert lo <= min(s.tempo for s in songs) and max(s.tempo for s in songs) <= hi
    for h in hand:
        assert [st.name for st in h.stems][:4] == ["drums", "bass", "keys", "lead"]
        assert all(len(st.notes) > 0 for st in h.stems)
        assert 20 <= h.duration_s <= 40, (h.style, h.duration_s)
        assert h.style not in STYLE_NAMES
        # out of the generator's reach: a meter it never plays, or a tempo outside all its ranges
        assert (h.beats_per_bar, h.beat_unit) not in METERS or not lo <= h.tempo <= hi, h.style
        assert len(h.beat_times) == h.bars * h.beats_per_bar and np.all(np.diff(h.beat_times) > 0)
        for st in h.stems:
            assert all(0 <= n.start_s < n.end_s <= h.duration_s + 1e-9 for n in st.notes)
        assert len(_midi_bytes(h)) == len(h.stems)
    assert len({h.style for h in hand}) == len(hand)


def test_chord_symbols_and_reharmonisation():
    assert parse_chord("V7/V") == Chord(2, (0, 4, 7, 10), 2)
    assert parse_chord("I/3").bass == 4 and parse_chord("bVII").root == 10
    assert parse_chord("iiø7").intervals == (0, 3, 6, 10) and parse_chord("i5").intervals == (0, 7)
    with pytest.raises(ValueError, match="cannot read chord"):
        parse_chord("H7")
    plain = [(4.0 * k, 4.0, parse_chord(t)) for k, t in enumerate(["I", "vi", "IV", "ii", "V", "I"])]
    out = reharmonise(random.Random(0), plain, 1.0, 1.0, 1.0, "major")
    chords = [c for _, _, c in out]
    assert (5, (0, 3, 7)) in [(c.root, c.intervals) for c in chords]  # the borrowed iv
    assert (4, (0, 4, 7, 10)) in [(c.root, c.intervals) for c in chords]  # V7/vi before vi
    assert any(c.bass != c.root for c in chords)  # a stepwise-bass inversion


def test_key_changes_happen_at_section_boundaries():
    style = replace(STYLES[0], harmony=(0.0, 0.0, 0.0, 1.0))
    sections = [("intro", 2, ""), ("verse", 8, ""), ("chorus", 8, ""), ("verse", 8, ""), ("chorus", 8, ""),
                ("outro", 2, "")]
    shifts = [_key_plan(random.Random(seed), style, sections) for seed in range(50)]
    assert all(len(set(s)) == 2 for s in shifts)  # exactly one new key, section-wide


def test_dynamics_and_endings(songs):
    louder = compared = 0
    for s in songs:
        bars = [name for name, n in s.sections for _ in range(n)]
        edges = np.concatenate([s.downbeat_times, [s.duration_s]])
        vel = {"verse": [], "chorus": []}
        for n in s.stem("drums").notes:
            bar = min(int(np.searchsorted(edges, n.start_s + 0.02, side="right")) - 1, len(bars) - 1)
            if bars[bar] in vel:
                vel[bars[bar]].append(n.velocity)
        if vel["verse"] and vel["chorus"]:
            compared += 1
            louder += np.mean(vel["chorus"]) > np.mean(vel["verse"])
    assert compared > 100 and louder / compared > 0.75
    ballads = [s for s in songs if s.style == "ballad"]
    slowing = [np.diff(np.concatenate([s.beat_times, [s.duration_s]]))[-1] > 1.25 * np.median(np.diff(s.beat_times))
               for s in ballads]
    assert len(ballads) > 20 and np.mean(slowing) > 0.6  # most ballads end with a ritardando
