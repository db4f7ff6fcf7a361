package domain

import (
	"slices"
	"testing"
)

// The read log gives, per workspace, the ids read, sorted and without
// repeats, whether noted one by one or as whole sorted lists; a request
// that read only what one list holds gets that list itself, uncopied.
func TestReadLogTakesNotedListsAndIDs(t *testing.T) {
	projection := []string{"act_2", "rel_5", "rel_7"}
	other := []string{"act_1", "rel_5"}
	cases := []struct {
		name     string
		note     func(l *ReadLog)
		want     map[string][]string
		shareful bool // ws's ids are projection itself
	}{
		{"a list alone", func(l *ReadLog) { l.NoteAll("ws", projection) },
			map[string][]string{"ws": projection}, true},
		{"a list twice, and ids inside it", func(l *ReadLog) {
			l.NoteAll("ws", projection)
			l.Note("ws", "rel_7")
			l.NoteAll("ws", projection)
		}, map[string][]string{"ws": projection}, true},
		{"a list and an id outside it", func(l *ReadLog) {
			l.NoteAll("ws", projection)
			l.Note("ws", "act_9")
		}, map[string][]string{"ws": {"act_2", "act_9", "rel_5", "rel_7"}}, false},
		{"two lists", func(l *ReadLog) {
			l.NoteAll("ws", projection)
			l.NoteAll("ws", other)
		}, map[string][]string{"ws": {"act_1", "act_2", "rel_5", "rel_7"}}, false},
		{"two lists of the same length", func(l *ReadLog) {
			l.NoteAll("ws", projection)
			l.NoteAll("ws", []string{"act_1", "act_2", "rel_9"})
		}, map[string][]string{"ws": {"act_1", "act_2", "rel_5", "rel_7", "rel_9"}}, false},
		{"ids one by one, in two workspaces", func(l *ReadLog) {
			l.Note("ws", "b")
			l.Note("ws", "a")
			l.Note("ws", "b")
			l.NoteAll("other", other)
			l.NoteAll("empty", nil)
		}, map[string][]string{"ws": {"a", "b"}, "other": other}, false},
	}
	for _, c := range cases {
		var l ReadLog
		c.note(&l)
		got := l.Take()
		if len(got) != len(c.want) {
			t.Errorf("%s: workspaces %v, want %v", c.name, got, c.want)
		}
		for ws, want := range c.want {
			if !slices.Equal(got[ws], want) {
				t.Errorf("%s: %s read %v, want %v", c.name, ws, got[ws], want)
			}
		}
		if shared := len(got["ws"]) > 0 && &got["ws"][0] == &projection[0]; shared != c.shareful {
			t.Errorf("%s: the projection's list shared: %v, want %v", c.name, shared, c.shareful)
		}
		if again := l.Take(); len(again) != 0 {
			t.Errorf("%s: a second Take gave %v, want nothing", c.name, again)
		}
	}
	if !slices.Equal(projection, []string{"act_2", "rel_5", "rel_7"}) {
		t.Errorf("the noted list changed: %v", projection)
	}
}
