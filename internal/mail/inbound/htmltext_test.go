package inbound

import (
	"strings"
	"testing"
)

func TestHTMLText(t *testing.T) {
	tests := []struct {
		name, html, want string
		max              int
	}{
		{"text only", "plain &lt;words&gt;", "plain <words>", 0},
		{"inline elements join", "<b>bold</b>face and <i>it</i> <u>under</u>", "boldface and it under", 0},
		{"head left open", "<html><head><title>T</title><meta charset=utf-8><body><p>kept</p>", "kept", 0},
		{"script and style dropped", "<p>a</p><script>if (a < b) { x() }</script><style>p { }</style><p>b</p>", "a\n\nb", 0},
		{"template dropped", "<template><p>hidden</p></template>shown", "shown", 0},
		{"pre keeps white space", "<p>x</p><pre>  a\n    b</pre><p>y</p>", "x\n\n  a\n    b\n\ny", 0},
		{"link with url text is not repeated", `<a href="https://example.org/x">https://example.org/x</a>`, "https://example.org/x", 0},
		{"mailto link", `<a href="mailto:a@example.org">a@example.org</a> or <a href="mailto:b@example.org">Bob</a>`, "a@example.org or Bob <mailto:b@example.org>", 0},
		{"data and javascript links dropped", `<a href="data:text/html,x">d</a> <a href=" JavaScript:x">j</a>`, "d j", 0},
		{"table rows", "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n\n3", 0},
		{"stops at max", "<p>" + strings.Repeat("word ", 100) + "</p>", "word word", 9},
		{"broken markup as a browser reads it", "<p <a href='x'>>text</p", ">text", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			got := htmlText(strings.NewReader(tt.html), max)
			if got != tt.want {
				t.Errorf("htmlText = %q, want %q", got, tt.want)
			}
		})
	}
}
