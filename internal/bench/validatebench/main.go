// Command validatebench measures `wsbind validate` throughput on a large
// JSONL capture, beside the floor of a jx loop that only reads it (issue
// 14). `make bench-validate` runs it.
//
// It builds one JSONL file per provider in -dir by repeating that
// provider's sample capture (testdata/captures/<provider>.jsonl) until the
// files together reach -size MB, each provider in proportion to its sample
// so every provider gets about the same share. The files are not
// committed. Then, -runs times each, it times
//
//   - wsbind validate --format json (the binary given by -wsbind, one run
//     per file with --provider, output to /dev/null),
//   - the same with --format text,
//   - the floor: a loop over the same files that reads each line with a
//     large bufio.Reader, decodes the envelope with jx, unescapes data
//     into a reused buffer and skips the frame with jx (no validation),
//
// and reports MB/s of capture (wall clock), the median of the runs, and
// for the binaries also MB per CPU-second (user and system time), which a
// busy shared machine disturbs less. The runs are
// interleaved: each round times every measurement once.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-faster/jx"
)

var providers = []string{"astro", "dlive", "neuro", "octave"}

func main() {
	dir := flag.String("dir", "", "directory for the capture files (required)")
	samples := flag.String("samples", "testdata/captures", "directory of the sample captures")
	sizeMB := flag.Int("size", 200, "total size of the capture files, in MB (10^6 bytes)")
	wsbind := flag.String("wsbind", "", "wsbind binary to time, or several separated by commas (empty: only build the files and time the floor)")
	runs := flag.Int("runs", 3, "runs of each measurement; the median is reported")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "validatebench: -dir is required")
		os.Exit(2)
	}
	files, total, err := build(*dir, *samples, int64(*sizeMB)*1e6)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validatebench:", err)
		os.Exit(1)
	}
	fmt.Printf("capture: %d files, %.1f MB (%d bytes) in %s\n", len(files), float64(total)/1e6, total, *dir)
	for _, f := range files {
		fmt.Printf("  %s: %.1f MB, %d frames\n", filepath.Base(f.path), float64(f.size)/1e6, f.frames)
	}
	type measure struct {
		name  string
		run   func() (cpu time.Duration, err error)
		rates []float64
		cpu   []float64 // MB per CPU-second, for the binaries
	}
	var ms []*measure
	for _, bin := range strings.Split(*wsbind, ",") {
		if bin == "" {
			continue
		}
		label := ""
		if strings.Contains(*wsbind, ",") {
			label = " (" + filepath.Base(bin) + ")"
		}
		for _, format := range []string{"json", "text"} {
			ms = append(ms, &measure{name: "wsbind validate --format " + format + label, run: func() (time.Duration, error) { return validate(bin, format, files) }})
		}
	}
	ms = append(ms, &measure{name: "jx read-and-skip floor", run: func() (time.Duration, error) { return 0, floor(files) }})
	// Rounds interleave the measurements, so that a slow spell of a
	// shared machine falls on all of them.
	for range *runs {
		for _, m := range ms {
			start := time.Now()
			cpu, err := m.run()
			if err != nil {
				fmt.Fprintf(os.Stderr, "validatebench: %s: %v\n", m.name, err)
				os.Exit(1)
			}
			m.rates = append(m.rates, float64(total)/1e6/time.Since(start).Seconds())
			if cpu > 0 {
				m.cpu = append(m.cpu, float64(total)/1e6/cpu.Seconds())
			}
		}
	}
	fmt.Printf("median of %d runs, MB/s of capture:\n", *runs)
	for _, m := range ms {
		slices.Sort(m.rates)
		fmt.Printf("  %-40s %7.1f MB/s  (runs %.1f to %.1f)", m.name, m.rates[len(m.rates)/2], m.rates[0], m.rates[len(m.rates)-1])
		if len(m.cpu) > 0 {
			slices.Sort(m.cpu)
			fmt.Printf("  %7.1f MB per CPU-second", m.cpu[len(m.cpu)/2])
		}
		fmt.Println()
	}
}

type capFile struct {
	provider string
	path     string
	size     int64
	frames   int
}

// build writes <dir>/<provider>.jsonl for each provider, its sample
// repeated, the files together at least total bytes.
func build(dir, samples string, total int64) ([]capFile, int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	per := total/int64(len(providers)) + 1
	var files []capFile
	var sum int64
	for _, p := range providers {
		sample, err := os.ReadFile(filepath.Join(samples, p+".jsonl"))
		if err != nil {
			return nil, 0, err
		}
		sample = bytes.TrimSpace(sample)
		if len(sample) == 0 {
			return nil, 0, fmt.Errorf("%s: empty sample", p)
		}
		sample = append(sample, '\n')
		lines := bytes.Count(sample, []byte("\n"))
		f := capFile{provider: p, path: filepath.Join(dir, p+".jsonl")}
		out, err := os.Create(f.path)
		if err != nil {
			return nil, 0, err
		}
		w := bufio.NewWriterSize(out, 1<<20)
		for f.size < per {
			_, _ = w.Write(sample)
			f.size += int64(len(sample))
			f.frames += lines
		}
		if err := errors.Join(w.Flush(), out.Close()); err != nil {
			return nil, 0, err
		}
		files = append(files, f)
		sum += f.size
	}
	return files, sum, nil
}

// validate runs the binary once per file, output to /dev/null, and
// returns the CPU time (user and system) the runs took. Exit code 1 (an
// invalid frame: the samples hold a few on purpose) is not an error.
func validate(bin, format string, files []capFile) (cpu time.Duration, err error) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	for _, f := range files {
		cmd := exec.Command(bin, "validate", "--format", format, "--provider", f.provider, f.path)
		cmd.Stdout = null
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if cmd.ProcessState != nil {
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			err = nil
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %v: %s", f.path, err, stderr.Bytes())
		}
	}
	return cpu, nil
}

// floor reads every file as validate must at least: each line, its
// envelope decoded with jx, data unescaped into a reused buffer, and the
// frame skipped (tokenized once, not validated).
func floor(files []capFile) error {
	var data []byte
	frames := 0
	d := jx.GetDecoder()
	fd := jx.GetDecoder()
	for _, cf := range files {
		in, err := os.Open(cf.path)
		if err != nil {
			return err
		}
		br := bufio.NewReaderSize(in, 1<<20)
		for {
			line, err := br.ReadSlice('\n')
			if errors.Is(err, io.EOF) && len(line) == 0 {
				break
			}
			if err != nil && !errors.Is(err, io.EOF) {
				in.Close()
				return err
			}
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			d.ResetBytes(line)
			var typ []byte
			if err := d.ObjBytes(func(d *jx.Decoder, key []byte) error {
				switch string(key) {
				case "type":
					b, err := d.StrBytes()
					typ = b
					return err
				case "data":
					var err error
					data, err = d.StrAppend(data[:0])
					return err
				default:
					return d.Skip()
				}
			}); err != nil {
				in.Close()
				return fmt.Errorf("%s: %v", cf.path, err)
			}
			_ = typ
			fd.ResetBytes(data)
			if err := fd.Skip(); err != nil {
				in.Close()
				return fmt.Errorf("%s: frame: %v", cf.path, err)
			}
			frames++
		}
		in.Close()
	}
	jx.PutDecoder(d)
	jx.PutDecoder(fd)
	if frames == 0 {
		return errors.New("no frames")
	}
	return nil
}
