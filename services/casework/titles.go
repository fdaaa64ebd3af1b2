package casework

import (
	"fmt"

	"github.com/vasteras/civicbus/services/automation/rules"
)

// CaseTypes looks case types up by id, for their Swedish titles and their
// steps' (the case events carry ids only). A *rules.Engine does:
// LoadCaseTypes reads the automation's rules directory with the same
// loader, so both services name a case type from one file.
type CaseTypes interface {
	CaseType(id string) (*rules.CaseType, bool)
}

// LoadCaseTypes reads the case types (and checks the rules) of the rules
// directory dir, as the automation service does.
func LoadCaseTypes(dir string) (CaseTypes, error) {
	e, err := rules.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("casework: the case types of %s: %w", dir, err)
	}
	return e, nil
}

// typeTitle is case type id's title, or id when none is known.
func (s *Service) typeTitle(id string) string {
	if s.cfg.CaseTypes != nil {
		if ct, ok := s.cfg.CaseTypes.CaseType(id); ok && ct.Title != "" {
			return ct.Title
		}
	}
	return id
}

// stepTitle is the title of step of case type caseType, or "steg" and
// step's id when none is known.
func (s *Service) stepTitle(caseType, step string) string {
	if s.cfg.CaseTypes != nil {
		if ct, ok := s.cfg.CaseTypes.CaseType(caseType); ok {
			for _, st := range ct.Steps {
				if st.ID.Value == step && st.Title != "" {
					return st.Title
				}
			}
		}
	}
	return "steg " + step
}

// titled is c with its case type's title.
func (s *Service) titled(c Case) Case {
	c.TypeTitle = s.typeTitle(c.Type)
	return c
}

// heading names case c: "Ärende" and its reference number (diarienummer)
// or, for a case opened without one (the automation's), its type's title
// and the first eight characters of its id.
func heading(prefix string, c Case) string {
	if c.ReferenceNumber != "" {
		return prefix + " " + c.ReferenceNumber
	}
	short := c.ID
	if len(short) > 8 {
		short = short[:8]
	}
	title := c.TypeTitle
	if title == "" {
		title = c.Type
	}
	return prefix + ": " + title + " " + short
}

// resolutionText names how a case ended, in Swedish; an unknown
// resolution is shown as it came.
func resolutionText(r string) string {
	switch r {
	case "granted":
		return "beviljat"
	case "partly-granted":
		return "delvis beviljat"
	case "rejected", "denied":
		return "avslag"
	case "withdrawn":
		return "återkallat"
	case "dismissed":
		return "avvisat eller avskrivet"
	case "completed":
		return "klart"
	}
	return r
}
