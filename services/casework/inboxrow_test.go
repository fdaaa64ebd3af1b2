package casework

import (
	"html"
	"html/template"
	"strings"
	"testing"
	"time"
)

// oldInboxRow is the template that inboxRow replaces: html/template's
// contextual escaping is the reference.
var oldInboxRow = template.Must(template.New("row").Funcs(template.FuncMap{
	"time":       func(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04") },
	"resolution": resolutionText,
}).Parse(`{{with .C}}<tr>
<th scope="row"><a href="{{$.Prefix}}cases/{{.ID}}">{{if .ReferenceNumber}}{{.ReferenceNumber}}{{else}}{{.ID}}{{end}}</a></th>
<td>{{if .TypeTitle}}{{.TypeTitle}}{{else}}{{.Type}}{{end}}</td><td>{{.Unit}}</td><td>{{time .OpenedAt}}</td><td>{{.Deadline}}</td>
<td>{{if eq .Status "open"}}Öppet{{else}}Avslutat ({{resolution .Resolution}}){{end}}</td>
<td>{{.Automated}}</td><td>{{.Referred}}</td><td>{{.Assignee}}</td>
</tr>{{end}}`))

// TestInboxRowEscapes: an inbox row written in Go says what the template
// it replaces said — the same text once HTML entities are decoded, the same
// bytes for ordinary values — and no value, however hostile, opens a tag,
// breaks out of the link's attribute or leaves the link's path.
func TestInboxRowEscapes(t *testing.T) {
	at := time.Date(2024, 3, 4, 19, 42, 0, 0, time.UTC)
	plain := Case{ID: uid(100), Type: "preschool-placement", Unit: "forskoleplacering", ReferenceNumber: "BUN 2024/00123",
		Deadline: "2024-07-04", OpenedAt: at, Status: StatusOpen, Automated: 2, Referred: 1, Assignee: "anna"}
	evil := `"><script>alert('x')</script>&amp;<img src=x onerror=alert(1)>`
	hostile := Case{ID: `x"/../?a=<b>`, Type: evil, Unit: evil, ReferenceNumber: evil, Deadline: evil, OpenedAt: at,
		Status: StatusClosed, Resolution: evil, Assignee: evil, Automated: 7}
	noRef := plain
	noRef.ReferenceNumber, noRef.Status, noRef.Resolution = "", StatusClosed, "granted"
	titled := plain
	titled.TypeTitle, titled.Status, titled.Resolution = "Ansökan om förskoleplats", StatusClosed, "some-new-resolution"
	hostileTitle := hostile
	hostileTitle.TypeTitle = evil
	for name, c := range map[string]Case{"plain": plain, "hostile": hostile, "no reference number": noRef, "titled": titled, "hostile title": hostileTitle} {
		isHostile := c == hostile || c == hostileTitle
		var want strings.Builder
		if err := oldInboxRow.Execute(&want, map[string]any{"Prefix": "/casework/", "C": c}); err != nil {
			t.Fatal(err)
		}
		got := string(inboxRow("/casework/", c))
		if !isHostile && got != want.String() {
			t.Errorf("%s: row\n%s\nwant (the template's)\n%s", name, got, want.String())
		}
		if isHostile {
			// Outside the link the decoded text is the template's; the
			// link stays a path under the prefix.
			if g, w := html.UnescapeString(stripLink(got)), html.UnescapeString(stripLink(want.String())); g != w {
				t.Errorf("%s: text\n%s\nwant\n%s", name, g, w)
			}
			if n := strings.Count(got, "<"); n != strings.Count(plain.rowTags(), "<") {
				t.Errorf("%s: %d tags opened, want %d:\n%s", name, n, strings.Count(plain.rowTags(), "<"), got)
			}
			href := got[strings.Index(got, `href="`)+6:]
			href = html.UnescapeString(href[:strings.IndexByte(href, '"')])
			if !strings.HasPrefix(href, "/casework/cases/") || strings.ContainsAny(href[len("/casework/cases/"):], `/?"<>`) {
				t.Errorf("%s: the link is %q", name, href)
			}
		}
	}
}

// stripLink drops the row's href attribute's value.
func stripLink(row string) string {
	i := strings.Index(row, `href="`) + 6
	j := i + strings.IndexByte(row[i:], '"')
	return row[:i] + row[j:]
}

// rowTags is a well-behaved row, to count its tags.
func (c Case) rowTags() string { return string(inboxRow("/casework/", c)) }
