// Package procedure is the one engine for statutory cases (办件): a case has
// a kind, parties, a state, a history, and — in states where a party owes an
// answer — a due date computed in working days from the jurisdiction's rule
// profile. Transitions demand what the article demands (a refusal its legal
// basis, a return its reasons). A scheduler marks overdue cases and records a
// supervision notice against the late party (GD-290 §52).
package procedure

import (
	"fmt"
	"slices"
)

// State is a case state.
type State string

// Party is a side of a case.
type Party string

// The parties of a case.
const (
	Applicant  Party = "applicant"  // who asked: the submitting or requesting agency
	Respondent Party = "respondent" // who must answer: the reviewing authority or source agency
)

// StateDef describes one state of a kind.
type StateDef struct {
	Name     State  `json:"name"`
	ZH       string `json:"zh"`
	EN       string `json:"en"`
	Deadline string `json:"deadline,omitempty"` // rule-profile key of the deadline that starts on entering this state; "" for none
	Owes     Party  `json:"owes,omitempty"`     // the party that is late when the deadline passes
	Terminal bool   `json:"terminal"`
}

// Transition is an action that moves a case from one state to another.
type Transition struct {
	Action   string
	ZH, EN   string
	From     []State
	To       State
	By       Party
	Roles    []string // roles of the acting user allowed to take it; empty: any role acting for the party
	Requires []string // fields that must be filled, e.g. "legal_basis"
}

// Field describes a field a transition can require.
type Field struct {
	Name   string
	ZH, EN string
}

// Kind is a statutory procedure.
type Kind struct {
	Name        string
	ZH, EN      string
	Basis       string // the articles it implements
	Initial     State
	States      []StateDef
	Transitions []Transition
	Fields      []Field
	// DomainOnly kinds are opened by their domain's service (OpenTx), which
	// binds the case to its object; the generic API cannot open them.
	DomainOnly bool
}

// State returns the definition of s.
func (k *Kind) State(s State) (StateDef, bool) {
	for _, d := range k.States {
		if d.Name == s {
			return d, true
		}
	}
	return StateDef{}, false
}

// Transition returns the transition of that action, if any.
func (k *Kind) Transition(action string) (Transition, bool) {
	for _, t := range k.Transitions {
		if t.Action == action {
			return t, true
		}
	}
	return Transition{}, false
}

// Actions returns the transitions possible from state s.
func (k *Kind) Actions(s State) []Transition {
	var out []Transition
	for _, t := range k.Transitions {
		if slices.Contains(t.From, s) {
			out = append(out, t)
		}
	}
	return out
}

// Validate checks the kind is well formed: states exist, terminal states
// have no deadline, every non-terminal state can be left.
func (k *Kind) Validate() error {
	if k.Name == "" || k.Basis == "" {
		return fmt.Errorf("procedure kind %q: name and basis are required", k.Name)
	}
	if _, ok := k.State(k.Initial); !ok {
		return fmt.Errorf("procedure kind %s: initial state %s undefined", k.Name, k.Initial)
	}
	for _, s := range k.States {
		if s.Deadline != "" && (s.Terminal || s.Owes == "") {
			return fmt.Errorf("procedure kind %s: state %s: a deadline needs a non-terminal state and the party that owes it", k.Name, s.Name)
		}
		if !s.Terminal && len(k.Actions(s.Name)) == 0 {
			return fmt.Errorf("procedure kind %s: state %s cannot be left", k.Name, s.Name)
		}
	}
	for _, t := range k.Transitions {
		if _, ok := k.State(t.To); !ok {
			return fmt.Errorf("procedure kind %s: action %s goes to undefined state %s", k.Name, t.Action, t.To)
		}
		for _, f := range t.From {
			if _, ok := k.State(f); !ok {
				return fmt.Errorf("procedure kind %s: action %s from undefined state %s", k.Name, t.Action, f)
			}
		}
		if t.By != Applicant && t.By != Respondent {
			return fmt.Errorf("procedure kind %s: action %s: unknown party %q", k.Name, t.Action, t.By)
		}
	}
	return nil
}
