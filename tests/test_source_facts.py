"""Known facts of the source, checked against the committed package."""

RANK_ORDER = [1, 4, 3, 6, 8, 18, 2, 7, 16, 19, 17, 10, 9, 12, 14, 13, 15, 11, 5]


def by(rows, key):
    return {row[key]: row for row in rows}


def test_twenty_theories_numbered_in_order(tables):
    assert [int(t["number"]) for t in tables["theories"]] == list(range(1, 21))


def test_theory_titles_spot_checks(tables):
    theories = by(tables["theories"], "number")
    assert theories["1"]["title"] == "Force-multiplier on alignment research"
    assert theories["3"]["title"] == "Auditing"
    assert theories["9"]["title"] == "Interpretability tools in the loss function"
    assert theories["14"]["title"] == "Epistemic learned helplessness"
    assert theories["20"]["title"] == "Eliciting Latent Knowledges"


def test_only_theory_20_has_a_credit_and_it_is_tao_lin(tables):
    credits = {t["number"]: t["credit"] for t in tables["theories"] if t["credit"]}
    assert credits == {"20": "Tao Lin"}


def test_eight_sub_points_under_the_right_theories(tables):
    points = tables["theory_points"]
    assert [p["id"] for p in points] == ["2.1", "4.1", "6.1", "6.2", "8.1", "9.1", "9.2", "13.1"]
    assert all(p["id"].split(".")[0] == p["theory_number"] for p in points)


def test_sub_point_titles_and_kinds(tables):
    points = by(tables["theory_points"], "id")
    assert points["6.2"]["title"] == "Coordinating a slowdown"
    assert points["9.1"]["title"] == "Ambitious version"
    assert points["9.2"]["title"] == "Less ambitious"
    # "Note:" and "Quote:" name the kind of point, not its subject.
    assert points["8.1"]["title"] == "" and points["8.1"]["kind"] == "note"
    assert points["13.1"]["title"] == "" and points["13.1"]["kind"] == "quote"
    assert points["2.1"]["kind"] == "example"


def test_post_sections_in_page_order(tables):
    ordered = sorted(tables["post_sections"], key=lambda s: int(s["position"]))
    assert [s["id"] for s in ordered] == ["introduction", "note", "credit", "exercise", "spreadsheet", "disagreement", "closing"]
    assert "longlist of 19 different arguments" in ordered[0]["text"]


def test_eighteen_comments_in_page_order(tables):
    comments = tables["comments"]
    assert len(comments) == 18
    assert [int(c["position"]) for c in comments] == list(range(1, 19))
    assert comments[0]["body"].startswith("Fwiw, I do have the reverse view")
    assert comments[-1]["body"].startswith("Good idea, thanks!")


def test_comments_that_open_with_a_quote(tables):
    quoting = [c["id"] for c in tables["comments"] if c["quoted_text"]]
    assert quoting == ["c01", "c02", "c03", "c04", "c09", "c11", "c13", "c16"]


def test_comment_paragraphs_are_kept(tables):
    rohin = tables["comments"][0]["body"]
    assert rohin.count("\n\n") >= 5
    assert "EDIT (March 26, 2023)" in rohin


def test_group_rank_order(tables):
    group = [r for r in tables["ratings"] if r["rating_set_id"] == "discussion-group"]
    ranked = sorted(group, key=lambda r: int(r["rank"]))
    assert [int(r["theory_number"]) for r in ranked] == RANK_ORDER
    assert [int(r["rank"]) for r in ranked] == list(range(1, 20))


def test_theory_20_is_unranked_by_the_group(tables):
    group = {r["theory_number"] for r in tables["ratings"] if r["rating_set_id"] == "discussion-group"}
    assert "20" not in group and len(group) == 19


def test_theory_3_controversy_remark_is_kept(tables):
    remarks = {r["theory_number"]: r["remark"] for r in tables["ratings"] if r["remark"]}
    assert list(remarks) == ["3"]
    assert "most controversial highly rated one" in remarks["3"]


def test_the_discussion_group_is_a_rating_set(tables):
    # Rows are sorted by id, so contributed sets may come before it.
    group = by(tables["rating_sets"], "id")["discussion-group"]
    assert group["kind"] == "group" and group["source"] == "post_sections:exercise"
