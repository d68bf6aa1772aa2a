package anchors

import (
	"context"
	"testing"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
)

// BenchmarkServerFrameReuse is the generated path of BenchmarkServerFrame
// with the reusing decoder (ServerMessageDecoder): Decode + Validate +
// Dispatch, named <provider>/<order>/generated-reuse.
func BenchmarkServerFrameReuse(b *testing.B) {
	var astroD astro.ServerDispatcher
	astroD.OnChannelTipsMessage(func(context.Context, *astro.ChannelTipsMessage) {})
	var dliveD dlive.ServerDispatcher
	dliveD.OnChatText(func(context.Context, *dlive.Data, *dlive.ChatText) {})
	var neuroD neuro.ServerDispatcher
	neuroD.OnSubathonUpdateEvent(func(context.Context, *neuro.Event, *neuro.SubathonUpdateEvent) {})
	var octaveD octave.ServerDispatcher
	octaveD.OnEventMessage(func(context.Context, *octave.EventMessage) {})
	var (
		ad astro.ServerMessageDecoder
		dd dlive.ServerMessageDecoder
		nd neuro.ServerMessageDecoder
		od octave.ServerMessageDecoder
	)
	read := map[string]func([]byte) error{
		"astro": func(f []byte) error {
			m, err := ad.Decode(f)
			if err == nil {
				err = m.Validate()
			}
			if err == nil {
				astroD.Dispatch(ctx, m)
			}
			return err
		},
		"dlive": func(f []byte) error {
			m, err := dd.Decode(f)
			if err == nil {
				err = m.Validate()
			}
			if err == nil {
				dliveD.Dispatch(ctx, m)
			}
			return err
		},
		"neuro": func(f []byte) error {
			m, err := nd.Decode(f)
			if err == nil {
				err = m.Validate()
			}
			if err == nil {
				neuroD.Dispatch(ctx, m)
			}
			return err
		},
		"octave": func(f []byte) error {
			m, err := od.Decode(f)
			if err == nil {
				err = m.Validate()
			}
			if err == nil {
				octaveD.Dispatch(ctx, m)
			}
			return err
		},
	}
	for range *rounds {
		for _, c := range cases(b) {
			for _, o := range []struct {
				name  string
				frame []byte
			}{{"docs", c.frame}, {"sorted", sortKeys(b, c.frame)}} {
				r := read[c.name]
				b.Run(c.name+"/"+o.name+"/generated-reuse", func(b *testing.B) {
					b.SetBytes(int64(len(o.frame)))
					b.ReportAllocs()
					settle()
					for b.Loop() {
						if err := r(o.frame); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
