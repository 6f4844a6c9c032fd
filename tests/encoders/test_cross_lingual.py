"""The offline default understands translations: what only the real model can show."""

import pytest

pytestmark = pytest.mark.slow

UNRELATED = "The stock market fell sharply today"
CASES = [
    ("sw", "Watoto wanacheza mpira", "The children are playing football"),
    ("ny", "Ana akusewera mpira", "The children are playing football"),
    ("zu", "Umuntu wonke unelungelo lokuphila, inkululeko nokuvikeleka.",
     "Everyone has the right to life, liberty and security of person."),
    ("am", "ልጆቹ እግር ኳስ እየተጫወቱ ነው", "The children are playing football"),
    ("tl", "Ang mga bata ay naglalaro ng football", "The children are playing football"),
    ("sw", "Kila mtu ana haki ya kuishi, haki ya uhuru na usalama wa nafsi yake.",
     "Everyone has the right to life, liberty and security of person."),
]


@pytest.mark.parametrize("lang,text,english", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_translation_is_closer_than_unrelated(e5, lang, text, english):
    v = e5.encode([text, english, UNRELATED], kind="query")
    translation, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert translation > 0.8
    assert translation - unrelated > 0.05
