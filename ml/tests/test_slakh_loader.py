"""The Slakh2100-layout loader, on a tiny fixture this test writes itself."""

import numpy as np
import pytest
import soundfile as sf
import yaml

from bandmate_ml.data.latents import encode_track
from bandmate_ml.data.pairs import LatentPairSampler
from bandmate_ml.data.slakh import DatasetLayoutError, list_tracks, load_track
from bandmate_ml.instruments import INSTRUMENT_INDEX


def _tone(freq, seconds, sr, amp=0.3):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture()
def slakh_fixture(tmp_path):
    sr = 44100  # Slakh2100's rate: the loader must resample
    for k in range(2):
        tdir = tmp_path / f"Track{k:05d}"
        (tdir / "stems").mkdir(parents=True)
        meta = {"UUID": f"fixture{k}", "stems": {
            "S00": {"inst_class": "Bass", "program_num": 33, "is_drum": False, "audio_rendered": True},
            "S01": {"inst_class": "Drums", "program_num": 0, "is_drum": True, "audio_rendered": True},
            "S02": {"inst_class": "Piano", "program_num": 0, "is_drum": False, "audio_rendered": True},
            "S03": {"inst_class": "Guitar", "program_num": 25, "is_drum": False, "audio_rendered": False},
        }}
        (tdir / "metadata.yaml").write_text(yaml.safe_dump(meta))
        sf.write(tdir / "stems" / "S00.flac", _tone(55, 3.0, sr), sr)
        sf.write(tdir / "stems" / "S01.wav", np.random.default_rng(k).uniform(-0.2, 0.2, int(3.0 * sr)).astype(np.float32), sr)
        piano = _tone(440, 3.0, sr)
        piano[: sr] = 0  # a silent first second: windows there must be rejected
        sf.write(tdir / "stems" / "S02.flac", piano, sr)
        sf.write(tdir / "mix.flac", _tone(55, 3.0, sr), sr)
    (tmp_path / "not_a_track").mkdir()
    return tmp_path


def test_lists_and_loads(slakh_fixture):
    tracks = list_tracks(slakh_fixture)
    assert [t.name for t in tracks] == ["Track00000", "Track00001"]
    tr = load_track(tracks[0], 24000)
    assert [s.stem_id for s in tr.stems] == ["S00", "S01", "S02"]  # S03 was never rendered
    assert [s.instrument for s in tr.stems] == ["bass", "drums", "piano"]
    assert all(abs(len(s.audio) - 3 * 24000) <= 1 for s in tr.stems)
    # resampled tone keeps its pitch: peak bin of a 55 Hz sine
    spec = np.abs(np.fft.rfft(tr.stems[0].audio[:24000]))
    assert abs(np.argmax(spec) - 55) <= 1


def test_empty_root_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetLayoutError, match="Track"):
        list_tracks(tmp_path)


def test_pairs_reject_silence(slakh_fixture, tiny_ae):
    tr = load_track(list_tracks(slakh_fixture)[0], 24000)
    lat = encode_track(tiny_ae.encoder, tr, 960, mixes_per_target=3)
    assert lat["targets"].shape == (3, 75, 8) and lat["mixes"].shape == (3, 3, 75, 8)
    # every mix is a non-empty subset of the *other* stems
    for t in range(3):
        for sub in lat["mix_subsets"][t]:
            chosen = [i for i in sub if i >= 0]
            assert chosen and t not in chosen
    sampler = LatentPairSampler([lat], seq_frames=20, delay_frames=4, seed=0)
    for _ in range(50):
        mix, tgt, inst = sampler.sample()
        assert mix.shape == (20, 8) and tgt.shape == (20, 8)
    assert (lat["target_db"][2, :25] < -60).all()  # the piano's silent first second is measured as silent


def test_silent_targets_and_mixes_are_never_paired():
    rng = np.random.default_rng(0)
    n, d = 100, 4
    lat = {
        "targets": rng.standard_normal((3, n, d)).astype(np.float32),
        "target_db": np.stack([np.full(n, -90.0), np.full(n, -20.0), np.full(n, -20.0)]).astype(np.float32),
        "instruments": np.array([0, 1, 2]),
        "mixes": rng.standard_normal((3, 1, n, d)).astype(np.float32),
        # stem 2's only mix is silent, so stem 2 can never be a target either
        "mix_db": np.stack([np.full((1, n), -20.0), np.full((1, n), -20.0), np.full((1, n), -90.0)]).astype(np.float32),
    }
    sampler = LatentPairSampler([lat], seq_frames=30, delay_frames=4, seed=1)
    insts = {sampler.sample()[2] for _ in range(100)}
    assert insts == {1}
    assert sampler.rejected > 0


def ramp_latents(n: int) -> dict:
    """Two stems whose latent at frame t is t (targets and mixes alike), never silent."""
    return {
        "targets": np.arange(n, dtype=np.float32).reshape(1, n, 1).repeat(2, 0),
        "target_db": np.zeros((2, n), np.float32),
        "instruments": np.array([0, 1]),
        "mixes": np.arange(n, dtype=np.float32).reshape(1, 1, n, 1).repeat(2, 0),
        "mix_db": np.zeros((2, 1, n), np.float32),
    }


def test_mix_is_delayed_by_d():
    n, d = 60, 1
    lat = ramp_latents(n)
    for d in (6, 4, 1, 0, -3):
        mix, tgt, _ = LatentPairSampler([lat], seq_frames=20, delay_frames=d, seed=2).sample()
        assert np.all(tgt[:, 0] - mix[:, 0] == d)  # output frame i is paired with mix frame i - D


def test_context_is_the_mix_at_the_targets_time():
    n = 60
    lat = ramp_latents(n)
    for d in (4, 0, -3):
        mix, tgt, _, present = LatentPairSampler([lat], seq_frames=20, delay_frames=d, seed=3).batch(5, context=True)
        assert np.all(tgt - mix == d) and np.all(present == tgt)  # heard D frames late; present: same frames
