package mapio

import (
	"bytes"
	"fmt"
	"testing"
)

// benchActorRows are the rows of a normal actors table of n actors: the
// template's columns, most of them filled, as an export writes them.
func benchActorRows(n int) [][]string {
	rows := [][]string{{"externalId", "name", "kind", "description", "region", "tags", "population", "sensitivity"}}
	for i := range n {
		rows = append(rows, []string{fmt.Sprintf("a%d", i), fmt.Sprintf("Actor %d", i), "COMMUNITY",
			fmt.Sprintf("A community of the valley, number %d, with a short description.", i),
			fmt.Sprintf("Region %d", i%17), "t1|t2", fmt.Sprint(100 + i), "PUBLIC"})
	}
	return rows
}

// benchmarkRead reads a file of 10,000 actors, through the reader and the
// row checks, as an import does.
func benchmarkRead(b *testing.B, data []byte, read func([]byte) (*Table, []Problem)) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		t, ps := read(data)
		if t == nil || len(t.Rows) != 10_000 || len(ps) > 0 {
			b.Fatalf("read %v: %v", t != nil, ps)
		}
		if rows, ps := ReadActors(t); len(rows) != 10_000 || len(ps) > 0 {
			b.Fatalf("%d rows: %v", len(rows), ps)
		}
	}
}

func BenchmarkReadCSV10k(b *testing.B) {
	var buf bytes.Buffer
	if err := writeCSV("actors.csv", benchActorRows(10_000), nil, &buf); err != nil {
		b.Fatal(err)
	}
	benchmarkRead(b, buf.Bytes(), func(data []byte) (*Table, []Problem) {
		return ReadTable("actors.csv", bytes.NewReader(data))
	})
}

func BenchmarkReadXLSX10k(b *testing.B) {
	var buf bytes.Buffer
	if err := writeWorkbook(map[string][][]string{"actors.csv": benchActorRows(10_000),
		"sources.csv": templates["sources.csv"][:1], "relationships.csv": templates["relationships.csv"][:1]}, nil, nil, &buf); err != nil {
		b.Fatal(err)
	}
	benchmarkRead(b, buf.Bytes(), func(data []byte) (*Table, []Problem) {
		tables, ps := ReadWorkbook("map.xlsx", bytes.NewReader(data))
		return tables["actors"], ps
	})
}
