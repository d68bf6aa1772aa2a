package jsonvalue

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// captureFrame returns the recorded frame whose size is closest to n bytes.
func captureFrame(b *testing.B, n int) []byte {
	files, _ := filepath.Glob("../../testdata/captures/*.jsonl")
	var best []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			frame := sc.Bytes()
			var wrapped struct{ Data *string }
			if json.Unmarshal(frame, &wrapped) == nil && wrapped.Data != nil {
				frame = []byte(*wrapped.Data)
			}
			if !json.Valid(frame) {
				continue
			}
			if best == nil || abs(len(frame)-n) < abs(len(best)-n) {
				best = append([]byte(nil), frame...)
			}
		}
	}
	if best == nil {
		b.Skip("no capture frames found")
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func BenchmarkParse(b *testing.B) {
	frame := captureFrame(b, 1024)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCmpFast(b *testing.B) {
	lo, hi := MustNumber("0"), MustNumber("1e6")
	lits := []string{"42", "-3", "12.75", "999999", "1000001", "0.5e2"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		lit := lits[i%len(lits)]
		sink += Cmp(lit, lo) + Cmp(lit, hi)
	}
}

func BenchmarkCmpExact(b *testing.B) {
	n := MustNumber("972783798187987123879878123.18878137")
	b.ReportAllocs()
	for b.Loop() {
		sink += Cmp("972783798187987123879878123.188781371", n)
	}
}

func BenchmarkMultipleOfFast(b *testing.B) {
	n := MustNumber("0.01")
	b.ReportAllocs()
	for b.Loop() {
		if MultipleOf("1234.56", n) {
			sink++
		}
	}
}

func BenchmarkMultipleOfBig(b *testing.B) {
	n := MustNumber("0.123456789")
	b.ReportAllocs()
	for b.Loop() {
		if MultipleOf("1e308", n) {
			sink++
		}
	}
}

func BenchmarkUnique1000(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range 1000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.Itoa(i * 7))
	}
	buf.WriteByte(']')
	v := MustParse(buf.String())
	b.ReportAllocs()
	for b.Loop() {
		if !Unique(v.Items) {
			b.Fatal("not unique")
		}
	}
}
