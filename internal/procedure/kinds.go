package procedure

// The statutory kinds. Deadlines are rule-profile keys, never numbers: the
// profile of the case's jurisdiction gives the working days and the article.

// CatalogReview is the review of an agency's catalog entry by its same-level
// authority (GD-290 §10–11, MZ §7–8, HZ §12): the authority approves or
// returns it with reasons within the review deadline.
var CatalogReview = &Kind{
	Name: "catalog_review", ZH: "目录审定", EN: "Catalog review",
	Basis:   "GD-290 §11, MZ §7, HZ §12",
	Initial: "submitted",
	States: []StateDef{
		{Name: "submitted", ZH: "待审定", EN: "Submitted", Deadline: "catalog.review", Owes: Respondent},
		{Name: "returned", ZH: "已退回", EN: "Returned"},
		{Name: "approved", ZH: "已审定", EN: "Approved", Terminal: true},
		{Name: "withdrawn", ZH: "已撤回", EN: "Withdrawn", Terminal: true},
	},
	Transitions: []Transition{
		{Action: "approve", ZH: "审定通过", EN: "Approve", From: []State{"submitted"}, To: "approved", By: Respondent, Roles: []string{"authority_reviewer"}},
		{Action: "return", ZH: "退回修改", EN: "Return", From: []State{"submitted"}, To: "returned", By: Respondent, Roles: []string{"authority_reviewer"}, Requires: []string{"reasons"}},
		{Action: "resubmit", ZH: "重新提交", EN: "Resubmit", From: []State{"returned"}, To: "submitted", By: Applicant, Roles: []string{"agency_officer"}},
		{Action: "withdraw", ZH: "撤回", EN: "Withdraw", From: []State{"submitted", "returned"}, To: "withdrawn", By: Applicant, Roles: []string{"agency_officer"}},
	},
	Fields:     []Field{{Name: "reasons", ZH: "退回理由", EN: "Reasons"}},
	DomainOnly: true, // opened by the catalog for a version (internal/catalog)
}

// ShareConditional is a request for conditionally shared data (GD-290 §23,
// JM §14, MZ §21, HZ §24): the source agency answers within the reply
// deadline; when it agrees it completes the sharing within the fulfil
// deadline; a refusal must cite the law, regulation or rule it rests on.
// The sharing service keeps its request in step through a transition hook,
// whether the source agency answers through the request or the case.
var ShareConditional = &Kind{
	Name: "share_conditional", ZH: "有条件共享申请", EN: "Conditional share request",
	Basis:   "GD-290 §23, HZ §24",
	Initial: "requested",
	States: []StateDef{
		{Name: "requested", ZH: "待答复", EN: "Awaiting reply", Deadline: "share.conditional.reply", Owes: Respondent},
		{Name: "agreed", ZH: "同意，待完成共享", EN: "Agreed, to be fulfilled", Deadline: "share.conditional.fulfil", Owes: Respondent},
		{Name: "refused", ZH: "拒绝共享", EN: "Refused", Terminal: true},
		{Name: "fulfilled", ZH: "已完成共享", EN: "Fulfilled", Terminal: true},
		{Name: "withdrawn", ZH: "已撤回", EN: "Withdrawn", Terminal: true},
	},
	Transitions: []Transition{
		{Action: "agree", ZH: "同意共享", EN: "Agree", From: []State{"requested"}, To: "agreed", By: Respondent, Roles: []string{"agency_officer"}},
		{Action: "refuse", ZH: "拒绝共享", EN: "Refuse", From: []State{"requested"}, To: "refused", By: Respondent, Roles: []string{"agency_officer"}, Requires: []string{"legal_basis"}},
		{Action: "fulfil", ZH: "完成共享", EN: "Fulfil", From: []State{"agreed"}, To: "fulfilled", By: Respondent, Roles: []string{"agency_officer"}},
		// An authority asks for data too (GD-290 §26: for enterprises and
		// institutions), so its reviewers may withdraw its requests.
		{Action: "withdraw", ZH: "撤回", EN: "Withdraw", From: []State{"requested"}, To: "withdrawn", By: Applicant, Roles: []string{"agency_officer", "authority_reviewer"}},
	},
	Fields: []Field{{Name: "legal_basis", ZH: "拒绝的法律、法规、规章依据", EN: "Legal basis of the refusal"}},
	// Opened by the sharing service (internal/share) for a share request,
	// which it binds to the case: a bare case would have nothing to grant.
	DomainOnly: true,
}

// Builtin lists the kinds the engine knows from the start.
var Builtin = []*Kind{CatalogReview, ShareConditional}
