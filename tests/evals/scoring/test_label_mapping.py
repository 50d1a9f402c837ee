from adcacc.evals.scoring.label_mapping import map_answers


def test_rules_in_order_and_longest_phrase_wins():
    got = map_answers(["Throat clearing.", "I think it is a sneeze", "someone giggling",
                       "a person clears his throat", ""], "vsc")
    assert [(m.label, m.rule) for m in got] == [
        ("throatclearing", "exact"), ("sneeze", "normalised"), ("laughter", "synonym"),
        ("throatclearing", "synonym"), ("", "empty")]
    mic = map_answers(["A bass guitar note", "synth_lead", "grand piano", "violin and cello"], "mic")
    assert [(m.label, m.rule) for m in mic] == [
        ("bass", "synonym"), ("synth_lead", "exact"), ("keyboard", "synonym"), ("string", "synonym")]
    ser = map_answers(["The speaker sounds excited!", "Angry."], "ser")
    assert [(m.label, m.rule) for m in ser] == [("happy", "synonym"), ("angry", "exact")]


def test_embedding_fallback_for_ambiguous_or_unlisted_answers():
    got = map_answers(["cough or sneeze", "the music sounds like rhythm and blues from the 1950s"], "vsc")
    assert all(m.rule == "embedding" and 0 < m.score <= 1 for m in got)
    assert got[0].label in ("cough", "sneeze")
    genre = map_answers(["smooth saxophone improvisation in a club, very bluesy?"], "mgc")[0]
    assert genre.rule == "synonym" and genre.label == "blues"
    [m] = map_answers(["a symphonic piece with violins"], "mgc")
    assert m.rule == "embedding" and m.label == "classical"
