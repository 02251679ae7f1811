from cms.text import highlight, search_key, snippet, text_to_html


def test_search_key_keeps_only_words():
    assert search_key("Chỉ thị số 28/CT-BTTTT, ngày 08/5/2020!") == "chi thi so 28 ct btttt ngay 08 5 2020"


def test_highlight_marks_the_original_accented_word_and_escapes():
    html = highlight("Hàng cấm <b>qua</b> bưu chính", ["hang", "cam"])
    assert html == "<mark>Hàng</mark> <mark>cấm</mark> &lt;b&gt;qua&lt;/b&gt; bưu chính"


def test_highlight_matches_word_starts_only():
    assert highlight("Bưu chính", ["ch"]) == "Bưu <mark>ch</mark>ính"
    assert highlight("xuchinh", ["ch"]) == "xuchinh"


def test_snippet_centres_on_the_first_match():
    text = "mở đầu " * 60 + "hàng cấm ở đây " + "kết thúc " * 60
    part = snippet(text, ["hang"], width=120)
    assert "hàng cấm" in part and part.startswith("…") and part.endswith("…")


def test_text_to_html_understands_seed_markup():
    html = text_to_html("## **2. Đơn vị**\n\n**Điểm a**\n\n- một\n- hai\n\nĐoạn <x>")
    assert html == "<h2>2. Đơn vị</h2><h3>Điểm a</h3><ul><li>một</li><li>hai</li></ul><p>Đoạn &lt;x&gt;</p>"
