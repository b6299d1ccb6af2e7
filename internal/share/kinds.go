package share

import "pubdata/internal/procedure"

// The sharing procedures. Deadlines are rule-profile keys; the case runs in
// the source agency's jurisdiction, whose profile governs the answer.

// KindUncataloguedCase is a demand for data not yet in any catalog (HZ §24,
// GD-290 §22): the source agency confirms within the confirm deadline that
// it holds the data and will catalogue it, or declines with its basis; once
// the entry is published it is linked and the demand becomes a request.
var KindUncataloguedCase = &procedure.Kind{
	Name: "share_uncatalogued", ZH: "未编目数据共享需求", EN: "Demand for uncatalogued data",
	Basis:   "GD-290 §22, HZ §24",
	Initial: "requested",
	States: []procedure.StateDef{
		{Name: "requested", ZH: "待确认", EN: "Awaiting confirmation", Deadline: "share.uncatalogued.confirm", Owes: procedure.Respondent},
		{Name: "confirmed", ZH: "已确认，待编目", EN: "Confirmed, to be catalogued"},
		{Name: "catalogued", ZH: "已编目并转为共享申请", EN: "Catalogued and requested", Terminal: true},
		{Name: "declined", ZH: "不予确认", EN: "Declined", Terminal: true},
		{Name: "withdrawn", ZH: "已撤回", EN: "Withdrawn", Terminal: true},
	},
	Transitions: []procedure.Transition{
		{Action: "confirm", ZH: "确认需求", EN: "Confirm", From: []procedure.State{"requested"}, To: "confirmed", By: procedure.Respondent, Roles: []string{"agency_officer"}},
		{Action: "decline", ZH: "不予确认", EN: "Decline", From: []procedure.State{"requested"}, To: "declined", By: procedure.Respondent, Roles: []string{"agency_officer"}, Requires: []string{"legal_basis"}},
		{Action: "catalogue", ZH: "关联已发布目录", EN: "Link the published entry", From: []procedure.State{"confirmed"}, To: "catalogued", By: procedure.Respondent, Roles: []string{"agency_officer"}, Requires: []string{"entry_id"}},
		{Action: "withdraw", ZH: "撤回", EN: "Withdraw", From: []procedure.State{"requested", "confirmed"}, To: "withdrawn", By: procedure.Applicant, Roles: []string{"agency_officer", "authority_reviewer"}},
	},
	Fields: []procedure.Field{
		{Name: "legal_basis", ZH: "不予确认的法律、法规、规章依据", EN: "Legal basis of the refusal"},
		{Name: "entry_id", ZH: "已发布的目录条目编号", EN: "The published catalog entry"},
	},
	DomainOnly: true,
}

// KindErrorCase is a data error report (JM §19, MZ §23, HZ §28): the source
// agency verifies within share.error.verify and, when the data is wrong,
// fixes it within share.error.fix; it may find the data right, with reasons.
var KindErrorCase = &procedure.Kind{
	Name: "share_error", ZH: "共享数据纠错", EN: "Shared data error report",
	Basis:   "JM §19, MZ §23, HZ §28",
	Initial: "reported",
	States: []procedure.StateDef{
		{Name: "reported", ZH: "待核实", EN: "Awaiting verification", Deadline: "share.error.verify", Owes: procedure.Respondent},
		{Name: "fixing", ZH: "已核实，待更正", EN: "Verified, to be fixed", Deadline: "share.error.fix", Owes: procedure.Respondent},
		{Name: "fixed", ZH: "已更正", EN: "Fixed", Terminal: true},
		{Name: "rejected", ZH: "经核实无误", EN: "Found correct", Terminal: true},
	},
	Transitions: []procedure.Transition{
		{Action: "verify", ZH: "核实有误", EN: "Confirm the error", From: []procedure.State{"reported"}, To: "fixing", By: procedure.Respondent, Roles: []string{"agency_officer"}},
		{Action: "reject", ZH: "核实无误", EN: "Found correct", From: []procedure.State{"reported"}, To: "rejected", By: procedure.Respondent, Roles: []string{"agency_officer"}, Requires: []string{"reasons"}},
		{Action: "fix", ZH: "完成更正", EN: "Fixed", From: []procedure.State{"fixing"}, To: "fixed", By: procedure.Respondent, Roles: []string{"agency_officer"}, Requires: []string{"resolution"}},
	},
	Fields: []procedure.Field{
		{Name: "reasons", ZH: "核实无误的说明", EN: "Why the data is correct"},
		{Name: "resolution", ZH: "更正说明", EN: "What was fixed"},
	},
	DomainOnly: true,
}

// KindVerifyCase is a request for verification (核实、比对) of data that
// is not shared, or conditional data whose conditions the consumer does not
// meet (GD-290 §23 para 3, HZ §24): the source agency cooperates within
// share.check_compare.reply; agreeing issues a verification grant, which
// answers match or no match and never the data; a refusal cites its basis.
var KindVerifyCase = &procedure.Kind{
	Name: "share_verify", ZH: "核实比对需求", EN: "Verification request",
	Basis:   "GD-290 §23, HZ §24",
	Initial: "requested",
	States: []procedure.StateDef{
		{Name: "requested", ZH: "待答复", EN: "Awaiting reply", Deadline: "share.check_compare.reply", Owes: procedure.Respondent},
		{Name: "granted", ZH: "已同意并授权核验", EN: "Granted", Terminal: true},
		{Name: "refused", ZH: "拒绝", EN: "Refused", Terminal: true},
		{Name: "withdrawn", ZH: "已撤回", EN: "Withdrawn", Terminal: true},
	},
	Transitions: []procedure.Transition{
		{Action: "agree", ZH: "同意核验", EN: "Agree", From: []procedure.State{"requested"}, To: "granted", By: procedure.Respondent, Roles: []string{"agency_officer"}},
		{Action: "refuse", ZH: "拒绝", EN: "Refuse", From: []procedure.State{"requested"}, To: "refused", By: procedure.Respondent, Roles: []string{"agency_officer"}, Requires: []string{"legal_basis"}},
		{Action: "withdraw", ZH: "撤回", EN: "Withdraw", From: []procedure.State{"requested"}, To: "withdrawn", By: procedure.Applicant, Roles: []string{"agency_officer", "authority_reviewer"}},
	},
	Fields:     []procedure.Field{{Name: "legal_basis", ZH: "拒绝的法律、法规、规章依据", EN: "Legal basis of the refusal"}},
	DomainOnly: true,
}

// registerKinds registers the sharing procedures and the hooks that keep
// requests, grants and error reports in step with their cases, and grants
// in step with the catalog: an entry delisted or republished as not shared
// ends its data grants in that transaction.
func (s *Service) registerKinds() {
	for _, k := range []*procedure.Kind{KindUncataloguedCase, KindVerifyCase, KindErrorCase} {
		if err := s.cases.Register(k); err != nil {
			panic(err)
		}
	}
	s.cases.OnTransition(procedure.ShareConditional.Name, s.onConditional)
	s.cases.OnTransition(KindUncataloguedCase.Name, s.onUncatalogued)
	s.cases.OnTransition(KindVerifyCase.Name, s.onVerify)
	s.cases.OnTransition(KindErrorCase.Name, s.onErrorCase)
	s.catalog.OnDelist(s.onEntryDelisted)
	s.catalog.OnPublish(s.onEntryReclassified)
}
