package catalog_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/catalog"
)

// withItem returns valid metadata with one more item, the one under test,
// as items[2].
func withItem(it catalog.Item) catalog.Metadata {
	m := valid("值域测试")
	if it.Name == "" {
		it.Name = "受测信息项"
	}
	if it.Grade == "" {
		it.Grade = "general-2"
	}
	m.Items = append(m.Items, it)
	return m
}

func TestNormalizeValueConstraints(t *testing.T) {
	m := withItem(catalog.Item{Type: catalog.TypeChar, Values: []string{" 男 ", "", "女", "男", "  "}, Min: " 1 ", Max: "\t2\n", Format: " mobile "})
	m.Normalize()
	it := m.Items[2]
	if !reflect.DeepEqual(it.Values, []string{"男", "女"}) || it.Min != "1" || it.Max != "2" || it.Format != catalog.FormatMobile {
		t.Fatalf("normalized: %+v", it)
	}
	m = withItem(catalog.Item{Type: catalog.TypeChar, Values: []string{" ", ""}})
	m.Normalize()
	if m.Items[2].Values != nil {
		t.Fatalf("blank values kept: %q", m.Items[2].Values)
	}
	if got := catalog.SplitValues(" 01、02,03，04;05；06\n01、、 "); !reflect.DeepEqual(got, []string{"01", "02", "03", "04", "05", "06"}) {
		t.Fatalf("SplitValues: %q", got)
	}
}

// TestValueConstraintRules: every rule on 值域, 最小值, 最大值 and 格式 is
// checked on save (a draft), refused with the field named, in both
// languages; what fits is accepted.
func TestValueConstraintRules(t *testing.T) {
	prof := provincial(t)
	C := func(length int) catalog.Item { return catalog.Item{Type: catalog.TypeChar, Length: length} }
	typed := func(ty catalog.ItemType) catalog.Item { return catalog.Item{Type: ty} }
	with := func(it catalog.Item, f func(*catalog.Item)) catalog.Item { f(&it); return it }
	cases := []struct {
		name  string
		item  catalog.Item
		field string // "" accepted
		code  string
	}{
		// 格式
		{"each format on a character item", with(C(50), func(it *catalog.Item) { it.Format = catalog.FormatDivision }), "", ""},
		{"mobile on a character item of 11", with(C(11), func(it *catalog.Item) { it.Format = catalog.FormatMobile }), "", ""},
		{"an unknown format", with(C(20), func(it *catalog.Item) { it.Format = "email" }), "items[2].format", "catalog.enum"},
		{"a format on a numeric item", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Format = catalog.FormatMobile }), "items[2].format", "catalog.item_format_type"},
		{"a format on a date item", with(typed(catalog.TypeDate), func(it *catalog.Item) { it.Format = catalog.FormatDivision }), "items[2].format", "catalog.item_format_type"},
		{"a length too short for the format", with(C(10), func(it *catalog.Item) { it.Format = catalog.FormatMobile }), "items[2].format", "catalog.item_format_length"},
		{"a resident-ID key with the same format",
			with(C(18), func(it *catalog.Item) {
				it.Key, it.KeyKind, it.Format = true, catalog.KeyResidentID, catalog.FormatResidentID
			}), "", ""},
		{"a resident-ID key with a credit-code format",
			with(C(18), func(it *catalog.Item) {
				it.Key, it.KeyKind, it.Format = true, catalog.KeyResidentID, catalog.FormatCreditCode
			}), "items[2].format", "catalog.item_format_key"},
		{"a credit-code key with a mobile format",
			with(C(18), func(it *catalog.Item) {
				it.Key, it.KeyKind, it.Format = true, catalog.KeyCreditCode, catalog.FormatMobile
			}),
			"items[2].format", "catalog.item_format_key"},
		{"an other key with any format",
			with(C(18), func(it *catalog.Item) { it.Key, it.KeyKind, it.Format = true, catalog.KeyOther, catalog.FormatMobile }), "", ""},

		// 值域
		{"character values", with(C(2), func(it *catalog.Item) { it.Values = []string{"男", "女", "未知"} }), "", ""},
		{"numeric values", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Values = []string{"0", "-1.5", "+2"} }), "", ""},
		{"integer values", with(typed(catalog.TypeInteger), func(it *catalog.Item) { it.Values = []string{"1", "2", "-3"} }), "", ""},
		{"values on a date item", with(typed(catalog.TypeDate), func(it *catalog.Item) { it.Values = []string{"2026-01-01"} }), "items[2].values", "catalog.item_values_type"},
		{"values on a currency item", with(typed(catalog.TypeCurrency), func(it *catalog.Item) { it.Values = []string{"1"} }), "items[2].values", "catalog.item_values_type"},
		{"values on a logical item", with(typed(catalog.TypeLogical), func(it *catalog.Item) { it.Values = []string{"是"} }), "items[2].values", "catalog.item_values_type"},
		{"a value longer than the length", with(C(2), func(it *catalog.Item) { it.Values = []string{"男", "不详情况"} }), "items[2].values[1]", "catalog.item_value"},
		{"a numeric value that is no number", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Values = []string{"1", "一"} }), "items[2].values[1]", "catalog.item_value"},
		{"an exponent is no plain number", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Values = []string{"1e3"} }), "items[2].values[0]", "catalog.item_value"},
		{"a fraction on an integer item", with(typed(catalog.TypeInteger), func(it *catalog.Item) { it.Values = []string{"1.5"} }), "items[2].values[0]", "catalog.item_value"},
		{"a value with more digits than the length",
			with(catalog.Item{Type: catalog.TypeInteger, Length: 2}, func(it *catalog.Item) { it.Values = []string{"10", "100"} }), "items[2].values[1]", "catalog.item_value"},
		{"a value holding a separator", with(C(50), func(it *catalog.Item) { it.Values = []string{"甲,乙"} }), "items[2].values[0]", "catalog.item_value"},
		{"a value of the wrong format", with(C(6), func(it *catalog.Item) {
			it.Format, it.Values = catalog.FormatDivision, []string{"440100", "449999"}
		}), "items[2].values[1]", "catalog.item_value"},
		{"values of the format", with(C(6), func(it *catalog.Item) { it.Format, it.Values = catalog.FormatDivision, []string{"440100", "441300"} }), "", ""},
		{"a value outside the range", with(typed(catalog.TypeInteger), func(it *catalog.Item) { it.Values, it.Min, it.Max = []string{"1", "5", "11"}, "1", "10" }),
			"items[2].values[2]", "catalog.item_value_range"},
		{"a value shorter than the least length", with(C(50), func(it *catalog.Item) { it.Values, it.Min = []string{"甲乙", "丙"}, "2" }),
			"items[2].values[1]", "catalog.item_value_range"},

		// 最小值、最大值
		{"a numeric range", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Min, it.Max = "-0.5", "100.25" }), "", ""},
		{"a currency minimum only", with(typed(catalog.TypeCurrency), func(it *catalog.Item) { it.Min = "0" }), "", ""},
		{"a float maximum only", with(typed(catalog.TypeFloat), func(it *catalog.Item) { it.Max = "1.0" }), "", ""},
		{"an integer range", with(typed(catalog.TypeInteger), func(it *catalog.Item) { it.Min, it.Max = "0", "150" }), "", ""},
		{"a date range", with(typed(catalog.TypeDate), func(it *catalog.Item) { it.Min, it.Max = "1900-01-01", "2099-12-31" }), "", ""},
		{"a date-time range", with(typed(catalog.TypeDateTime), func(it *catalog.Item) { it.Min, it.Max = "2000-01-01 00:00:00", "2099-12-31T23:59:59" }), "", ""},
		{"a length range", with(C(20), func(it *catalog.Item) { it.Min, it.Max = "2", "20" }), "", ""},
		{"a memo length range", with(typed(catalog.TypeMemo), func(it *catalog.Item) { it.Max = "2000" }), "", ""},
		{"equal bounds", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Min, it.Max = "1.50", "1.5" }), "", ""},
		{"a numeric minimum that is no number", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Min = "零" }), "items[2].min", "catalog.item_bound"},
		{"a fraction as an integer maximum", with(typed(catalog.TypeInteger), func(it *catalog.Item) { it.Max = "9.5" }), "items[2].max", "catalog.item_bound"},
		{"a date minimum in another form", with(typed(catalog.TypeDate), func(it *catalog.Item) { it.Min = "2026/01/01" }), "items[2].min", "catalog.item_bound"},
		{"a date that does not exist", with(typed(catalog.TypeDate), func(it *catalog.Item) { it.Max = "2026-02-30" }), "items[2].max", "catalog.item_bound"},
		{"a date as a date-time bound", with(typed(catalog.TypeDateTime), func(it *catalog.Item) { it.Min = "2026-01-01" }), "items[2].min", "catalog.item_bound"},
		{"an hour that does not exist", with(typed(catalog.TypeDateTime), func(it *catalog.Item) { it.Max = "2026-01-01 24:00:00" }), "items[2].max", "catalog.item_bound"},
		{"a negative length", with(C(50), func(it *catalog.Item) { it.Min = "-1" }), "items[2].min", "catalog.item_bound"},
		{"a length that is no number", with(C(50), func(it *catalog.Item) { it.Max = "十" }), "items[2].max", "catalog.item_bound"},
		{"a maximum length over the item's length", with(C(10), func(it *catalog.Item) { it.Max = "11" }), "items[2].max", "catalog.item_range_length"},
		{"minimum over maximum", with(typed(catalog.TypeNumber), func(it *catalog.Item) { it.Min, it.Max = "10", "9.99" }), "items[2].max", "catalog.item_range"},
		{"a later date first", with(typed(catalog.TypeDate), func(it *catalog.Item) { it.Min, it.Max = "2026-01-02", "2026-01-01" }), "items[2].max", "catalog.item_range"},
		{"a later date-time first", with(typed(catalog.TypeDateTime), func(it *catalog.Item) { it.Min, it.Max = "2026-01-01T00:00:01", "2026-01-01 00:00:00" }),
			"items[2].max", "catalog.item_range"},
		{"a longer least length", with(C(50), func(it *catalog.Item) { it.Min, it.Max = "9", "10" }), "", ""},
		{"a least length over the most", with(C(50), func(it *catalog.Item) { it.Min, it.Max = "10", "9" }), "items[2].max", "catalog.item_range"},
		{"a range on a logical item", with(typed(catalog.TypeLogical), func(it *catalog.Item) { it.Min = "0" }), "items[2].min", "catalog.item_range_type"},
		{"a range on a binary item", with(typed(catalog.TypeBinary), func(it *catalog.Item) { it.Max = "1024" }), "items[2].max", "catalog.item_range_type"},
		{"a range on a general item", with(typed(catalog.TypeGeneral), func(it *catalog.Item) { it.Min = "1" }), "items[2].min", "catalog.item_range_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := withItem(c.item)
			m.Normalize()
			for _, strict := range []bool{false, true} {
				err := catalog.Validate(&m, prof, strict)
				if c.field == "" {
					if err != nil {
						t.Fatalf("strict %v: refused: %v", strict, err)
					}
					continue
				}
				var hit *apperr.Error
				var l apperr.List
				if e, ok := err.(apperr.List); ok {
					l = e
				}
				for _, e := range l {
					if e.Field == c.field {
						hit = e
					}
				}
				if hit == nil || hit.Code != c.code {
					t.Fatalf("strict %v: want %s on %s, got %v", strict, c.code, c.field, err)
				}
				if hit.ZH == "" || hit.EN == "" || strings.ContainsAny(hit.EN, "的为须") {
					t.Fatalf("messages: %q / %q", hit.ZH, hit.EN)
				}
				if len(l) != 1 {
					t.Fatalf("strict %v: one problem expected, got %v", strict, err)
				}
			}
		})
	}
}

// TestValueConstraintsPersist: the four fields round-trip through
// Create, Update and Get on each engine, are refused on save when they
// contradict, and show in the diff between versions.
func TestValueConstraintsPersist(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		officer := actor(t, a, "gd.police")
		m := valid("户籍人口基本信息")
		m.Items[0].Format = catalog.FormatResidentID
		m.Items = append(m.Items,
			catalog.Item{Name: "性别", Type: catalog.TypeChar, Length: 1, Grade: "general-2", Values: []string{"男", "女"}},
			catalog.Item{Name: "联系电话", Type: catalog.TypeChar, Length: 11, Grade: "general-2", Format: catalog.FormatMobile, Min: "11", Max: "11"},
			catalog.Item{Name: "出生日期", Type: catalog.TypeDate, Grade: "general-2", Min: "1900-01-01", Max: "2099-12-31"},
			catalog.Item{Name: "登记时间", Type: catalog.TypeDateTime, Grade: "general-2", Min: "2000-01-01 00:00:00"},
			catalog.Item{Name: "家庭人口", Type: catalog.TypeInteger, Grade: "general-2", Values: []string{"1", "2", "3"}, Min: "1", Max: "20"},
			catalog.Item{Name: "户籍地", Type: catalog.TypeChar, Length: 6, Grade: "general-2", Format: catalog.FormatDivision, Values: []string{"440100", "441300"}},
		)
		e := create(t, a, "gd.police", m)
		got, vs, err := a.Catalog.Get(ctx, officer, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Items, m.Items) || !reflect.DeepEqual(vs[0].Metadata.Items, m.Items) {
			t.Fatalf("after create:\n got %+v\nwant %+v", got.Items, m.Items)
		}

		// A contradiction is refused on update, naming the field, and changes nothing.
		bad := m
		bad.Items = append([]catalog.Item{}, m.Items...)
		bad.Items[4].Min, bad.Items[4].Max = "2026-01-01", "2025-12-31"
		if _, err := a.Catalog.Update(ctx, officer, e.ID, bad); codes(err)["items[4].max"] != "catalog.item_range" {
			t.Fatalf("update with min after max: %v", err)
		}
		bad.Items = append([]catalog.Item{}, m.Items...)
		bad.Items[0].Format = catalog.FormatCreditCode
		if _, err := a.Catalog.Update(ctx, officer, e.ID, bad); codes(err)["items[0].format"] != "catalog.item_format_key" {
			t.Fatalf("update with a resident-ID key in credit-code format: %v", err)
		}
		if got, _, _ := a.Catalog.Get(ctx, officer, e.ID); !reflect.DeepEqual(got.Items, m.Items) {
			t.Fatalf("a refused update changed the items: %+v", got.Items)
		}

		// An update replaces them, normalised.
		m2 := m
		m2.Items = append([]catalog.Item{}, m.Items...)
		m2.Items[2].Values = []string{" 男", "女 ", "未说明", "男"}
		m2.Items[3].Format, m2.Items[3].Min, m2.Items[3].Max = "", "", ""
		m2.Items[5].Min, m2.Items[5].Max = "1900-01-01 00:00:00", " 2099-12-31 23:59:59 "
		m2.Items[6].Values = nil
		m2.Items[2].Length = 3
		if _, err := a.Catalog.Update(ctx, officer, e.ID, m2); err != nil {
			t.Fatal(err)
		}
		m2.Normalize()
		got, vs, _ = a.Catalog.Get(ctx, officer, e.ID)
		if !reflect.DeepEqual(got.Items, m2.Items) || !reflect.DeepEqual(vs[0].Metadata.Items, m2.Items) {
			t.Fatalf("after update:\n got %+v\nwant %+v", got.Items, m2.Items)
		}
		if got.Items[2].Values[2] != "未说明" || got.Items[5].Max != "2099-12-31 23:59:59" || got.Items[3].Format != "" {
			t.Fatalf("after update: %+v", got.Items)
		}

		// Published and changed in a new version, the changes show in the diff.
		if _, err := a.Catalog.Submit(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Review(ctx, actor(t, a, "gd.reviewer"), e.ID, "approve", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.NewVersion(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
		m3 := m2
		m3.Items = append([]catalog.Item{}, m2.Items...)
		m3.Items[2].Values = []string{"男", "女"}
		m3.Items[3].Format = catalog.FormatMobile
		m3.Items[6].Min = "0"
		if _, err := a.Catalog.Update(ctx, officer, e.ID, m3); err != nil {
			t.Fatal(err)
		}
		_, vs, _ = a.Catalog.Get(ctx, officer, e.ID)
		changes := catalog.Diff(vs[1].Metadata, vs[0].Metadata)
		want := []catalog.Change{
			{Field: "items[2].values", Old: "男、女、未说明", New: "男、女"},
			{Field: "items[3].format", Old: "", New: "mobile"},
			{Field: "items[6].min", Old: "1", New: "0"},
		}
		if !reflect.DeepEqual(changes, want) {
			t.Fatalf("diff:\n got %+v\nwant %+v", changes, want)
		}
	})
}

func TestDiffOfValueConstraints(t *testing.T) {
	a := withItem(catalog.Item{Type: catalog.TypeChar, Length: 18, Values: []string{"甲", "乙"}, Min: "1", Max: "9", Format: catalog.FormatCreditCode})
	b := withItem(catalog.Item{Type: catalog.TypeChar, Length: 18, Values: []string{"乙", "甲"}, Min: "2", Max: "9"})
	// Items are matched by name: the item moves to the front.
	b.Items = append([]catalog.Item{b.Items[2]}, b.Items[:2]...)
	want := []catalog.Change{
		{Field: "items[0].values", Old: "甲、乙", New: "乙、甲"},
		{Field: "items[0].min", Old: "1", New: "2"},
		{Field: "items[0].format", Old: "credit_code", New: ""},
	}
	if got := catalog.Diff(a, b); !reflect.DeepEqual(got, want) {
		t.Fatalf("diff:\n got %+v\nwant %+v", got, want)
	}
	if got := catalog.Diff(a, a); len(got) != 0 {
		t.Fatalf("no change: %+v", got)
	}
}
