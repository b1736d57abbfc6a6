"""Instrument classes the generator can be asked to play.

Classes follow the General MIDI program families (as Slakh2100's `inst_class` does), so a model
trained on generated songs and one trained on Slakh use the same `instrument` indices.
"""

INSTRUMENTS = [
    "drums",
    "bass",
    "piano",
    "chromatic_percussion",
    "organ",
    "guitar",
    "strings",
    "brass",
    "reed",
    "pipe",
    "synth_lead",
    "synth_pad",
]
INSTRUMENT_INDEX = {name: i for i, name in enumerate(INSTRUMENTS)}

# GM program (0-127) // 8 -> family -> our class. Ensemble (48-55) is folded into strings,
# sound effects and ethnic into the nearest class that the generator is likely to hear.
_FAMILY_TO_CLASS = [
    "piano",  # 0-7
    "chromatic_percussion",  # 8-15
    "organ",  # 16-23
    "guitar",  # 24-31
    "bass",  # 32-39
    "strings",  # 40-47
    "strings",  # 48-55 ensemble
    "brass",  # 56-63
    "reed",  # 64-71
    "pipe",  # 72-79
    "synth_lead",  # 80-87
    "synth_pad",  # 88-95
    "synth_pad",  # 96-103 synth effects
    "guitar",  # 104-111 ethnic (plucked)
    "chromatic_percussion",  # 112-119 percussive
    "synth_pad",  # 120-127 sound effects
]

# Slakh2100's metadata `inst_class` values mapped onto our classes.
SLAKH_CLASS_TO_CLASS = {
    "Drums": "drums",
    "Bass": "bass",
    "Piano": "piano",
    "Chromatic Percussion": "chromatic_percussion",
    "Organ": "organ",
    "Guitar": "guitar",
    "Strings": "strings",
    "Strings (continued)": "strings",
    "Ensemble": "strings",
    "Brass": "brass",
    "Reed": "reed",
    "Pipe": "pipe",
    "Synth Lead": "synth_lead",
    "Synth Pad": "synth_pad",
    "Sound Effects": "synth_pad",
    "Sound effects": "synth_pad",
    "Ethnic": "guitar",
    "Percussive": "chromatic_percussion",
}


def class_of_program(program: int, is_drum: bool = False) -> str:
    """Instrument class of a GM program number (0-127)."""
    if is_drum:
        return "drums"
    if not 0 <= program <= 127:
        raise ValueError(f"GM program must be 0..127, got {program}")
    return _FAMILY_TO_CLASS[program // 8]
