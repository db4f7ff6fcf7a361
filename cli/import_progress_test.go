package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/mapio"
)

// syncBuffer is a bytes.Buffer safe for the spinner's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// On a terminal the import draws a bar of the bytes it reads, then a
// spinner per stage; the file reads through the bar unchanged.
func TestImportProgressOnATerminal(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "actors.csv")
	content := strings.Repeat("Somebody,COMMUNITY\n", 2000)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out syncBuffer
	p := newImportProgress(&out, true)
	r := p.reader(f)
	got, err := io.ReadAll(r)
	if err != nil || string(got) != content {
		t.Fatalf("the file read through the bar differs: %v", err)
	}
	// Read again from the start (as CSV is, after its encoding check): a
	// new bar draws it.
	if _, err := r.(io.Seeker).Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if again, err := io.ReadAll(r); err != nil || string(again) != content {
		t.Fatalf("the second read differs: %v", err)
	}
	p.stage(mapio.Stage{Name: "checking", Count: 2000})
	// The spinner draws on its own ticker: wait until it has.
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), "checking 2000 sources and actors"); {
		if time.Now().After(deadline) {
			t.Fatalf("the stage was not drawn within a minute:\n%q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.finish()
	if s := out.String(); strings.Count(s, "reading "+path) < 2 {
		t.Errorf("progress drawn:\n%q", s)
	}
}
