package demo

import (
	"context"
	"fmt"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/catalog"
)

// person returns the items of a natural-person dataset: the ID number as
// key (sourced by 公安 only), a name, and extra items.
func personItems(source bool, extra ...catalog.Item) []catalog.Item {
	items := []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Element: "公民身份号码", Source: source, Required: true},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Element: "姓名", Source: source, Required: true},
	}
	return append(items, extra...)
}

// reviewScenario is a catalog entry driven through review in the demo.
type reviewScenario struct {
	officer  string
	meta     catalog.Metadata
	ago      time.Duration // submitted this long ago
	reviewer string        // "" leaves it in review
	action   string        // approve or return
	reasons  string
}

func catalogScenarios() []reviewScenario {
	base := func(name, class, summary string, st catalog.ShareType, items []catalog.Item) catalog.Metadata {
		m := catalog.Metadata{Name: name, ClassCode: class, Summary: summary, DataForm: catalog.FormDatabase, Format: "RDBMS", Items: items,
			ShareType: st, ShareScope: "全省各级公共管理和服务机构", ShareModes: []catalog.ShareMode{catalog.ModeAPI, catalog.ModePlatformDB},
			OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily, CollectingAgency: "本机构", VerifyingAgency: "本机构", ProvidingAgency: "本机构",
			SourceSystem: "业务系统", Keywords: []string{"基础数据"}}
		if st == catalog.ShareConditional {
			m.ShareBasis = "《广东省公共数据管理办法》第十三条"
			m.ShareConditions = "仅限依法履职需要，按最小必要原则申请"
		}
		return m
	}
	return []reviewScenario{
		{officer: "gd.police", meta: base("人口基本信息（户籍登记信息）", "1010100100001", "全省户籍人口的身份、户籍登记信息", catalog.ShareConditional,
			personItems(true, catalog.Item{Name: "户籍地址", Type: catalog.TypeChar, Length: 200, Grade: "general-3", Personal: true, PersonalKind: "地址", Element: "户籍地址", Source: true})),
			ago: 2 * time.Hour},
		{officer: "gd.civil", meta: base("婚姻登记信息", "1010200100001", "全省婚姻登记（结婚、离婚）记录", catalog.ShareConditional,
			personItems(false, catalog.Item{Name: "婚姻登记类型", Type: catalog.TypeChar, Length: 10, Grade: "general-3", Personal: true, Element: "婚姻登记类型", Source: true},
				catalog.Item{Name: "登记日期", Type: catalog.TypeDate, Grade: "general-2"})),
			ago: 30 * 24 * time.Hour}, // overdue review
		{officer: "gd.hrss", meta: base("社会保险参保信息", "1010300100001", "企业职工基本养老保险等参保登记信息", catalog.ShareConditional,
			personItems(false, catalog.Item{Name: "参保状态", Type: catalog.TypeChar, Length: 10, Grade: "general-2", Element: "参保状态", Source: true})),
			ago: 3 * 24 * time.Hour, reviewer: "gd.reviewer", action: "return", reasons: "共享条件未写明依据条款，请补充（GD-290 §13）"},
		{officer: "hz.police", meta: base("惠州市居住证信息", "3441300100001", "惠州市居住证办理与签注信息", catalog.ShareConditional,
			personItems(false, catalog.Item{Name: "居住证号码", Type: catalog.TypeChar, Length: 30, Grade: "general-3", Personal: true, Element: "居住证号码", Source: true})),
			ago: 24 * time.Hour, reviewer: "hz.reviewer", action: "approve"},
	}
}

// catalogReviews drafts, submits and decides the demo's catalog entries.
func catalogReviews(ctx context.Context, a *app.App) error {
	now := time.Now()
	defer a.Cases.SetClock(time.Now)
	for _, s := range catalogScenarios() {
		who, err := actorOf(ctx, a, s.officer)
		if err != nil {
			return err
		}
		a.Cases.SetClock(func() time.Time { return now.Add(-s.ago) })
		e, err := a.Catalog.Create(ctx, who, s.meta)
		if err != nil {
			return fmt.Errorf("demo entry %s: %w", s.meta.Name, err)
		}
		if _, err := a.Catalog.Submit(ctx, who, e.ID); err != nil {
			return fmt.Errorf("demo entry %s: submit: %w", s.meta.Name, err)
		}
		if s.reviewer == "" {
			continue
		}
		rev, err := actorOf(ctx, a, s.reviewer)
		if err != nil {
			return err
		}
		a.Cases.SetClock(func() time.Time { return now.Add(-s.ago + time.Hour) })
		if _, err := a.Catalog.Review(ctx, rev, e.ID, s.action, s.reasons); err != nil {
			return fmt.Errorf("demo entry %s: %s: %w", s.meta.Name, s.action, err)
		}
	}
	return nil
}
