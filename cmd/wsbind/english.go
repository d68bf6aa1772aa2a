package main

import (
	"strconv"
	"strings"
)

// count returns n followed by noun, in the plural unless n is 1:
// count(1, "frame") is "1 frame", count(3, "frame") "3 frames". Only the
// last word of noun changes ("2 event examples").
func count(n int, noun string) string {
	if n != 1 {
		noun = pluralNoun(noun)
	}
	return strconv.Itoa(n) + " " + noun
}

// pluralNoun makes the last word of noun plural by the regular English
// rules, which cover every noun wsbind prints.
func pluralNoun(noun string) string {
	switch {
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}
