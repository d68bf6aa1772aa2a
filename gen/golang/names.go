package golang

import (
	"errors"
	"fmt"
	"go/token"
	"sort"
	"strings"
	"unicode"

	"github.com/wsbind/wsbind/gen/ir"
)

// PackageName derives a Go package name from base, a spec's file name
// without its extension: lower case, every character other than an ASCII
// letter, digit or underscore removed ("simple-asyncapi" and
// "simple.asyncapi" become "simpleasyncapi"), and "pkg" put in front of a
// name that would start with a digit or be a Go keyword, main or init.
// It fails when nothing usable is left.
func PackageName(base string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if r < unicode.MaxASCII && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	name := strings.Trim(b.String(), "_")
	if name == "" {
		return "", fmt.Errorf("no Go package name can be made from %q: it has no ASCII letter or digit; choose one with --package", base)
	}
	if unreserved(name) != nil {
		name = "pkg" + name
	}
	return name, nil
}

// CheckPackageName refuses a name that cannot serve as the Go package and
// folder of a generated binding. It must be a Go identifier in lower-case
// ASCII (letters, digits, underscores, starting with a letter), and neither
// a Go keyword nor main or init.
func CheckPackageName(name string) error {
	if name == "" {
		return errors.New("package name is empty")
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r == '_' && i > 0 || r >= '0' && r <= '9' && i > 0
		if !ok {
			return fmt.Errorf("package name %q is not a lower-case Go identifier (a-z first, then a-z, 0-9 or _)", name)
		}
	}
	return unreserved(name)
}

func unreserved(name string) error {
	switch {
	case name[0] >= '0' && name[0] <= '9':
		return fmt.Errorf("package name %q starts with a digit", name)
	case token.IsKeyword(name):
		return fmt.Errorf("package name %q is a Go keyword", name)
	case name == "main":
		return errors.New(`package name "main" is for commands, not for a package others import`)
	case name == "init":
		return errors.New(`package name "init" cannot be imported: init is reserved for init functions`)
	}
	return nil
}

// MessageHandler is the name of the Client method that registers the
// handler of message msg: On, the message name, and Message unless the name
// already ends in it (OnErrorMessage, OnChannelTipsMessage). The suffix
// keeps it apart from Config.OnError and the client's other On methods
// (OnUnknown, OnUnhandled), whatever the spec calls its messages.
func MessageHandler(msg string) string {
	if strings.HasSuffix(msg, "Message") {
		return "On" + msg
	}
	return "On" + msg + "Message"
}

// article returns "a" or "an" for word, an identifier, by how it is
// usually read: "an Error", "an Unsubscribe", "a User", "a Union", and for
// names that start with an acronym by the name of its first letter ("an
// HTTPRequest", "a UUIDEvent").
func article(word string) string {
	if word == "" {
		return "a"
	}
	if len(word) > 1 && isUpper(word[0]) && isUpper(word[1]) {
		if strings.ContainsRune("AEFHILMNORSX", rune(word[0])) {
			return "an"
		}
		return "a"
	}
	w := strings.ToLower(word)
	switch w[0] {
	case 'a', 'e', 'i', 'o':
		if strings.HasPrefix(w, "one") || strings.HasPrefix(w, "eu") {
			return "a" // "a one-time", "a Euro"
		}
		return "an"
	case 'u':
		// A long u is read "you": a User, a Union, a Unique, a URL.
		for _, p := range []string{"uni", "use", "usa", "usu", "uti", "ura", "ure", "uu"} {
			if strings.HasPrefix(w, p) && !strings.HasPrefix(w, "unin") {
				return "a"
			}
		}
		return "an"
	case 'h':
		for _, p := range []string{"hour", "honest", "honor", "honour", "heir"} {
			if strings.HasPrefix(w, p) {
				return "an"
			}
		}
	}
	return "a"
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

// withArticle returns word after its article: "an Error".
func withArticle(word string) string { return article(word) + " " + word }

// checkNames fails when two things the generator would declare share a Go
// name, or when a field would shadow a generated method, so that a spec
// never yields code that does not compile. The hint points at
// x-wsbind-go-name or at renaming the component.
func checkNames(pkg *ir.Package, client bool) error {
	seen := map[string]string{}
	var errs []string
	add := func(name, what string) {
		if prev, ok := seen[name]; ok && prev != what {
			errs = append(errs, fmt.Sprintf("%s and %s are both named %s", prev, what, name))
			return
		}
		seen[name] = what
	}
	for _, fixed := range []string{
		"Schema", "schemaJSON", "ServerCodec", "ClientCodec", "Examples", "Servers", "Provider",
		"ServerMessage", "ClientMessage", "UnknownServerMessage", "UnknownClientMessage",
		"DecodeServerMessage", "DecodeClientMessage", "decodeServerMessage", "decodeClientMessage",
		"ServerDispatcher", "ClientDispatcher",
	} {
		add(fixed, "the generated "+fixed)
	}
	if client {
		for _, fixed := range []string{"Config", "Client", "Dial", "NewClient", "ReplyError", "DefaultURL"} {
			add(fixed, "the generated "+fixed)
		}
	}
	for _, t := range pkg.Types {
		add(t.Name, "schema "+t.Loc)
		switch t.Kind {
		case ir.Enum:
			for i, name := range enumConsts(t) {
				add(name, fmt.Sprintf("enum value %q of %s", t.Values[i], t.Name))
			}
		case ir.Union:
			add("decode"+t.Name, "the decoder of "+t.Name)
			add("validate"+t.Name, "the validator of "+t.Name)
			if t.Disc != "" {
				add(unknownName(t), "the unknown branch of "+t.Name)
			}
			for _, b := range t.Branches {
				if b.GoName != "" {
					add(b.GoName, "the "+b.JSONType+" branch of "+t.Name)
				}
			}
		case ir.Struct:
			methods := map[string]bool{"Validate": true, "MessageName": true, "RawFrame": true}
			for _, f := range t.Fields {
				if methods[f.GoName] {
					errs = append(errs, fmt.Sprintf("field %s of %s (%s) would shadow the generated method %s; set x-wsbind-go-name", f.Name, t.Name, t.Loc, f.GoName))
				}
			}
		}
	}
	for _, m := range pkg.Messages {
		if m.Wrapped() {
			add(m.Name, "message "+m.Name) // its wrapper type; a struct message is among pkg.Types
		}
		if client {
			add("New"+m.Name, "the constructor of "+m.Name)
		}
		if m.Name == "Unknown" || m.Name == "Unhandled" {
			errs = append(errs, fmt.Sprintf("message %s clashes with the dispatcher's On%s handler; rename it", m.Name, m.Name))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return fmt.Errorf("name clashes:\n\t%s", strings.Join(errs, "\n\t"))
}
