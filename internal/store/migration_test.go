package store

import (
	"errors"
	"testing"
)

func TestCheckMigrations(t *testing.T) {
	tests := []struct {
		name  string
		steps []Migration
	}{
		{"none", nil},
		{"starts at 2", []Migration{{Version: 2, Stmts: []string{"SELECT 1"}}}},
		{"gap", []Migration{{Version: 1, Stmts: []string{"SELECT 1"}}, {Version: 3, Stmts: []string{"SELECT 1"}}}},
		{"empty step", []Migration{{Version: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckMigrations(tt.steps); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestPending(t *testing.T) {
	steps := []Migration{{Version: 1, Stmts: []string{"a"}}, {Version: 2, Stmts: []string{"b"}}, {Version: 3, Stmts: []string{"c"}}}
	got, err := Pending(steps, []int64{1})
	if err != nil || len(got) != 2 || got[0].Version != 2 || got[1].Version != 3 {
		t.Fatalf("Pending after 1: %+v %v", got, err)
	}
	if got, err := Pending(steps, []int64{1, 2, 3}); err != nil || len(got) != 0 {
		t.Fatalf("Pending when up to date: %+v %v", got, err)
	}
	if _, err := Pending(steps, []int64{1, 4}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("newer database: %v, want ErrSchemaTooNew", err)
	}
}
