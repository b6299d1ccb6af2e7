package app

import (
	"encoding/json"

	"pubdata/internal/apperr"
)

func calendarYearOf(data []byte) (int, error) {
	var f struct {
		Year int `json:"year"`
	}
	if err := json.Unmarshal(data, &f); err != nil || f.Year == 0 {
		return 0, apperr.Invalidf("calendar.year", "year", "缺少年份", "the year is missing")
	}
	return f.Year, nil
}
