package main

import (
	"github.com/wsbind/wsbind/internal/specclient"
)

// record --spec runs the server's x-wsbind-auth step as a typed client
// does (internal/specclient); this is where its credentials come from,
// the environment and --cred, and how its errors name the flags.

// recordWords name record's flags in the errors and notes of a plan.
func recordWords(s *specclient.Spec) specclient.Words {
	return specclient.Words{
		Tool: "record --spec",
		URL:  "--url",
		Param: func(name, value string) string {
			if value == "" {
				return "--param " + name
			}
			return "--param " + name + "=" + value
		},
		Header:     "--header",
		HeaderHint: "--header 'Name: value'",
		Cred:       "--cred",
		Creds:      func(keys []string) string { return credentialList(s.Name, keys) },
	}
}

// planRecordDial plans the dial of record --spec from its flags: --param,
// --header, and the credentials from the environment and --cred.
func planRecordDial(s *specclient.Spec, rawURL string, f specRecordFlags, lookupEnv func(string) (string, bool)) (*specclient.Dial, error) {
	values, err := parseParams(f.params)
	if err != nil {
		return nil, err
	}
	return s.Plan(specclient.PlanOptions{
		URL:     rawURL,
		Params:  values,
		Headers: f.headers,
		Creds: func(keys []string) (map[string]string, error) {
			return resolveCreds(s.Name, keys, f.creds, lookupEnv)
		},
		CredsGiven: len(f.creds) > 0,
		Words:      recordWords(s),
	})
}
