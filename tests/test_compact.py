"""compact_html: the theme's indentation goes, whitespace that is content stays."""

from atlas.compact import compact_html


def test_indentation_and_blank_lines_between_tags_become_one_line_break():
    assert compact_html("<div>\n    <p>a</p>\n\n\n      <p>b</p>\n</div>") == "<div>\n<p>a</p>\n<p>b</p>\n</div>"


def test_pre_textarea_script_and_style_keep_their_whitespace():
    html = ("<div>\n  <pre><code>@misc{x,\n  title = {{T}}\n}</code></pre>\n  <textarea>\n   t</textarea>\n"
            "  <script>\n  var s = 1;\n</script>\n  <STYLE>\n  a { }\n</STYLE>\n</div>")
    assert compact_html(html) == ("<div>\n<pre><code>@misc{x,\n  title = {{T}}\n}</code></pre>\n<textarea>\n   t</textarea>\n"
                                  "<script>\n  var s = 1;\n</script>\n<STYLE>\n  a { }\n</STYLE>\n</div>")


def test_text_without_line_breaks_is_untouched():
    html = '<p>a  b <span>c</span>   d</p><pre>x</pre> <p>e</p>'
    assert compact_html(html) == html
