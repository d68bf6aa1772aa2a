// Handler registrations for every generated dispatcher, written out so the
// fuzz targets call no reflection. TestEveryHandlerRegistered fails when a
// regenerated dispatcher gains a handler this file does not register.

package fuzz

import (
	"context"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/wire"
)

// astroServerDispatcher returns a new astro.ServerDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func astroServerDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &astro.ServerDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m astro.ServerMessage) { r.onUnhandled(m) })
	if full {
		d.OnWelcome(func(_ context.Context, m *astro.Welcome) { r.onTop(m) })
		d.OnResponse(func(_ context.Context, m *astro.Response) { r.onTop(m) })
		d.OnReconnect(func(_ context.Context, m *astro.Reconnect) { r.onTop(m) })
		//lint:ignore SA1019 the deprecated message must still reach its handler
		d.OnAstroMessage(func(_ context.Context, m *astro.AstroMessage) { r.onTop(m) })
		d.OnChannelActivitiesMessage(func(_ context.Context, m *astro.ChannelActivitiesMessage) { r.onTop(m) })
		d.OnActivityEvent(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityEvent) { r.onSub(m, v) })
		d.OnActivityFollow(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityFollow) { r.onSub(m, v) })
		d.OnActivityTip(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityTip) { r.onSub(m, v) })
		d.OnActivityCommunityGiftPurchase(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityCommunityGiftPurchase) {
			r.onSub(m, v)
		})
		d.OnActivityChannelPointsRedemption(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityChannelPointsRedemption) {
			r.onSub(m, v)
		})
		d.OnActivitySponsor(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivitySponsor) { r.onSub(m, v) })
		d.OnActivitySuperchat(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivitySuperchat) { r.onSub(m, v) })
		d.OnActivityHost(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityHost) { r.onSub(m, v) })
		d.OnActivityRaid(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityRaid) { r.onSub(m, v) })
		d.OnActivitySubscriber(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivitySubscriber) { r.onSub(m, v) })
		d.OnActivityCheer(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityCheer) { r.onSub(m, v) })
		d.OnActivityCheerPurchase(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityCheerPurchase) {
			r.onSub(m, v)
		})
		d.OnActivityCharityCampaignDonation(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityCharityCampaignDonation) {
			r.onSub(m, v)
		})
		d.OnActivityRedemption(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityRedemption) { r.onSub(m, v) })
		d.OnActivityMerch(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityMerch) { r.onSub(m, v) })
		d.OnActivityFan(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityFan) { r.onSub(m, v) })
		d.OnActivitySupporter(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivitySupporter) { r.onSub(m, v) })
		d.OnActivityFollower(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityFollower) { r.onSub(m, v) })
		d.OnActivityStars(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityStars) { r.onSub(m, v) })
		d.OnActivityShare(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityShare) { r.onSub(m, v) })
		d.OnActivityVideolike(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityVideolike) { r.onSub(m, v) })
		d.OnActivityElixir(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityElixir) { r.onSub(m, v) })
		d.OnActivityPurchase(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityPurchase) { r.onSub(m, v) })
		d.OnActivityHypetrainStart(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityHypetrainStart) {
			r.onSub(m, v)
		})
		d.OnActivityHypetrainProgress(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityHypetrainProgress) {
			r.onSub(m, v)
		})
		d.OnActivityHypetrainEnd(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityHypetrainEnd) {
			r.onSub(m, v)
		})
		d.OnActivityGiveaway(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityGiveaway) { r.onSub(m, v) })
		d.OnActivitySponsorship(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivitySponsorship) {
			r.onSub(m, v)
		})
		d.OnActivitySponsorshipPassive(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivitySponsorshipPassive) {
			r.onSub(m, v)
		})
		d.OnActivityOther(func(_ context.Context, m *astro.ChannelActivitiesMessage, v *astro.ActivityOther) { r.onSub(m, v) })
		d.OnChannelAnnouncementsMessage(func(_ context.Context, m *astro.ChannelAnnouncementsMessage) { r.onTop(m) })
		d.OnChannelChatstatsMessage(func(_ context.Context, m *astro.ChannelChatstatsMessage) { r.onTop(m) })
		d.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) { r.onTop(m) })
		d.OnChannelTipsModerationMessage(func(_ context.Context, m *astro.ChannelTipsModerationMessage) { r.onTop(m) })
		d.OnChannelChatMessageMessage(func(_ context.Context, m *astro.ChannelChatMessageMessage) { r.onTop(m) })
		d.OnChannelSessionUpdateMessage(func(_ context.Context, m *astro.ChannelSessionUpdateMessage) { r.onTop(m) })
		d.OnChannelSessionResetMessage(func(_ context.Context, m *astro.ChannelSessionResetMessage) { r.onTop(m) })
		d.OnChannelChatbotStatusMessage(func(_ context.Context, m *astro.ChannelChatbotStatusMessage) { r.onTop(m) })
		d.OnChannelChatbotModulesPyramidMessage(func(_ context.Context, m *astro.ChannelChatbotModulesPyramidMessage) { r.onTop(m) })
		d.OnChannelChatbotModulesEmotecomboMessage(func(_ context.Context, m *astro.ChannelChatbotModulesEmotecomboMessage) { r.onTop(m) })
		d.OnChannelChatbotModulesMessage(func(_ context.Context, m *astro.ChannelChatbotModulesMessage) { r.onTop(m) })
		d.OnChannelChatbotCommandsMessage(func(_ context.Context, m *astro.ChannelChatbotCommandsMessage) { r.onTop(m) })
		d.OnChannelChatbotTimersMessage(func(_ context.Context, m *astro.ChannelChatbotTimersMessage) { r.onTop(m) })
		d.OnChannelChatbotCountersMessage(func(_ context.Context, m *astro.ChannelChatbotCountersMessage) { r.onTop(m) })
		d.OnChannelChatbotFiltersMessage(func(_ context.Context, m *astro.ChannelChatbotFiltersMessage) { r.onTop(m) })
		d.OnChannelChatbotTimeoutMessage(func(_ context.Context, m *astro.ChannelChatbotTimeoutMessage) { r.onTop(m) })
		d.OnChannelStreamStatusMessage(func(_ context.Context, m *astro.ChannelStreamStatusMessage) { r.onTop(m) })
		d.OnChannelOverlayActionMessage(func(_ context.Context, m *astro.ChannelOverlayActionMessage) { r.onTop(m) })
		d.OnChannelOverlayBroadcastMessage(func(_ context.Context, m *astro.ChannelOverlayBroadcastMessage) { r.onTop(m) })
		d.OnChannelOverlayUpdateMessage(func(_ context.Context, m *astro.ChannelOverlayUpdateMessage) { r.onTop(m) })
		d.OnChannelKvstoreUpdateMessage(func(_ context.Context, m *astro.ChannelKvstoreUpdateMessage) { r.onTop(m) })
		d.OnChannelSongrequestMessage(func(_ context.Context, m *astro.ChannelSongrequestMessage) { r.onTop(m) })
		d.OnChannelContestsMessage(func(_ context.Context, m *astro.ChannelContestsMessage) { r.onTop(m) })
		d.OnChannelGiveawaysMessage(func(_ context.Context, m *astro.ChannelGiveawaysMessage) { r.onTop(m) })
		d.OnChannelLoyaltyRedemptionsMessage(func(_ context.Context, m *astro.ChannelLoyaltyRedemptionsMessage) { r.onTop(m) })
		d.OnChannelLoyaltyItemsMessage(func(_ context.Context, m *astro.ChannelLoyaltyItemsMessage) { r.onTop(m) })
		//lint:ignore SA1019 the deprecated topic must still reach its handler
		d.OnChannelSessionUpdatesMessage(func(_ context.Context, m *astro.ChannelSessionUpdatesMessage) { r.onTop(m) })
		//lint:ignore SA1019 the deprecated topic must still reach its handler
		d.OnChannelGiveawayMessage(func(_ context.Context, m *astro.ChannelGiveawayMessage) { r.onTop(m) })
		//lint:ignore SA1019 the deprecated topic must still reach its handler
		d.OnChatbotTimeoutMessage(func(_ context.Context, m *astro.ChatbotTimeoutMessage) { r.onTop(m) })
		d.OnUnknownTopicMessage(func(_ context.Context, m *astro.UnknownTopicMessage) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(astro.ServerMessage)) }
}

// astroClientDispatcher returns a new astro.ClientDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func astroClientDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &astro.ClientDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m astro.ClientMessage) { r.onUnhandled(m) })
	if full {
		d.OnSubscribe(func(_ context.Context, m *astro.Subscribe) { r.onTop(m) })
		d.OnUnsubscribe(func(_ context.Context, m *astro.Unsubscribe) { r.onTop(m) })
		//lint:ignore SA1019 the deprecated legacy subscribe must still reach its handler
		d.OnSubscribeLegacy(func(_ context.Context, m *astro.SubscribeLegacy) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(astro.ClientMessage)) }
}

// dliveServerDispatcher returns a new dlive.ServerDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func dliveServerDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &dlive.ServerDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m dlive.ServerMessage) { r.onUnhandled(m) })
	if full {
		d.OnConnectionAck(func(_ context.Context, m *dlive.ConnectionAck) { r.onTop(m) })
		d.OnConnectionError(func(_ context.Context, m *dlive.ConnectionError) { r.onTop(m) })
		d.OnKa(func(_ context.Context, m *dlive.Ka) { r.onTop(m) })
		d.OnData(func(_ context.Context, m *dlive.Data) { r.onTop(m) })
		d.OnChatText(func(_ context.Context, m *dlive.Data, v *dlive.ChatText) { r.onSub(m, v) })
		d.OnChatGift(func(_ context.Context, m *dlive.Data, v *dlive.ChatGift) { r.onSub(m, v) })
		d.OnChatFollow(func(_ context.Context, m *dlive.Data, v *dlive.ChatFollow) { r.onSub(m, v) })
		d.OnChatSubscription(func(_ context.Context, m *dlive.Data, v *dlive.ChatSubscription) { r.onSub(m, v) })
		d.OnChatExtendSub(func(_ context.Context, m *dlive.Data, v *dlive.ChatExtendSub) { r.onSub(m, v) })
		d.OnChatSubStreak(func(_ context.Context, m *dlive.Data, v *dlive.ChatSubStreak) { r.onSub(m, v) })
		d.OnChatHost(func(_ context.Context, m *dlive.Data, v *dlive.ChatHost) { r.onSub(m, v) })
		d.OnChatChangeMode(func(_ context.Context, m *dlive.Data, v *dlive.ChatChangeMode) { r.onSub(m, v) })
		d.OnChatDelete(func(_ context.Context, m *dlive.Data, v *dlive.ChatDelete) { r.onSub(m, v) })
		d.OnChatBan(func(_ context.Context, m *dlive.Data, v *dlive.ChatBan) { r.onSub(m, v) })
		d.OnChatModerator(func(_ context.Context, m *dlive.Data, v *dlive.ChatModerator) { r.onSub(m, v) })
		d.OnChatEmoteAdd(func(_ context.Context, m *dlive.Data, v *dlive.ChatEmoteAdd) { r.onSub(m, v) })
		d.OnChatTimeout(func(_ context.Context, m *dlive.Data, v *dlive.ChatTimeout) { r.onSub(m, v) })
		d.OnChatTCValueAdd(func(_ context.Context, m *dlive.Data, v *dlive.ChatTCValueAdd) { r.onSub(m, v) })
		d.OnChatGiftSub(func(_ context.Context, m *dlive.Data, v *dlive.ChatGiftSub) { r.onSub(m, v) })
		d.OnChatGiftSubReceive(func(_ context.Context, m *dlive.Data, v *dlive.ChatGiftSubReceive) { r.onSub(m, v) })
		d.OnChatClip(func(_ context.Context, m *dlive.Data, v *dlive.ChatClip) { r.onSub(m, v) })
		d.OnChatLive(func(_ context.Context, m *dlive.Data, v *dlive.ChatLive) { r.onSub(m, v) })
		d.OnChatOffline(func(_ context.Context, m *dlive.Data, v *dlive.ChatOffline) { r.onSub(m, v) })
		d.OnUnknownStreamEvent(func(_ context.Context, m *dlive.Data, v *dlive.UnknownStreamEvent) { r.onSub(m, v) })
		d.OnTreasureChestGiveawayEnded(func(_ context.Context, m *dlive.Data, v *dlive.TreasureChestGiveawayEnded) { r.onSub(m, v) })
		d.OnTreasureChestValueExpired(func(_ context.Context, m *dlive.Data, v *dlive.TreasureChestValueExpired) { r.onSub(m, v) })
		d.OnTreasureChestGiveawayStarted(func(_ context.Context, m *dlive.Data, v *dlive.TreasureChestGiveawayStarted) { r.onSub(m, v) })
		d.OnTreasureChestReadyToCollect(func(_ context.Context, m *dlive.Data, v *dlive.TreasureChestReadyToCollect) { r.onSub(m, v) })
		d.OnTreasureChestValueUpdated(func(_ context.Context, m *dlive.Data, v *dlive.TreasureChestValueUpdated) { r.onSub(m, v) })
		d.OnUnknownTreasureChestEvent(func(_ context.Context, m *dlive.Data, v *dlive.UnknownTreasureChestEvent) { r.onSub(m, v) })
		d.OnError(func(_ context.Context, m *dlive.Error) { r.onTop(m) })
		d.OnComplete(func(_ context.Context, m *dlive.Complete) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(dlive.ServerMessage)) }
}

// dliveClientDispatcher returns a new dlive.ClientDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func dliveClientDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &dlive.ClientDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m dlive.ClientMessage) { r.onUnhandled(m) })
	if full {
		d.OnConnectionInit(func(_ context.Context, m *dlive.ConnectionInit) { r.onTop(m) })
		d.OnStart(func(_ context.Context, m *dlive.Start) { r.onTop(m) })
		d.OnStop(func(_ context.Context, m *dlive.Stop) { r.onTop(m) })
		d.OnConnectionTerminate(func(_ context.Context, m *dlive.ConnectionTerminate) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(dlive.ClientMessage)) }
}

// neuroServerDispatcher returns a new neuro.ServerDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func neuroServerDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &neuro.ServerDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m neuro.ServerMessage) { r.onUnhandled(m) })
	if full {
		d.OnWelcome(func(_ context.Context, m *neuro.Welcome) { r.onTop(m) })
		d.OnEvent(func(_ context.Context, m *neuro.Event) { r.onTop(m) })
		d.OnScheduleUpdateEvent(func(_ context.Context, m *neuro.Event, v *neuro.ScheduleUpdateEvent) { r.onSub(m, v) })
		d.OnSubathonUpdateEvent(func(_ context.Context, m *neuro.Event, v *neuro.SubathonUpdateEvent) { r.onSub(m, v) })
		d.OnSubathonGoalUpdateEvent(func(_ context.Context, m *neuro.Event, v *neuro.SubathonGoalUpdateEvent) { r.onSub(m, v) })
		d.OnStreamOnlineEvent(func(_ context.Context, m *neuro.Event, v *neuro.StreamOnlineEvent) { r.onSub(m, v) })
		d.OnStreamUpdateEvent(func(_ context.Context, m *neuro.Event, v *neuro.StreamUpdateEvent) { r.onSub(m, v) })
		d.OnStreamOfflineEvent(func(_ context.Context, m *neuro.Event, v *neuro.StreamOfflineEvent) { r.onSub(m, v) })
		d.OnSecretneuroaccountOnlineEvent(func(_ context.Context, m *neuro.Event, v *neuro.SecretneuroaccountOnlineEvent) { r.onSub(m, v) })
		d.OnStreamRaidIncomingEvent(func(_ context.Context, m *neuro.Event, v *neuro.StreamRaidIncomingEvent) { r.onSub(m, v) })
		d.OnStreamRaidOutgoingEvent(func(_ context.Context, m *neuro.Event, v *neuro.StreamRaidOutgoingEvent) { r.onSub(m, v) })
		d.OnBlogFeedUpdateEvent(func(_ context.Context, m *neuro.Event, v *neuro.BlogFeedUpdateEvent) { r.onSub(m, v) })
		d.OnXFeedNewEntriesEvent(func(_ context.Context, m *neuro.Event, v *neuro.XFeedNewEntriesEvent) { r.onSub(m, v) })
		//lint:ignore SA1019 the deprecated alias must still reach its handler
		d.OnXFeedUpdateEvent(func(_ context.Context, m *neuro.Event, v *neuro.XFeedUpdateEvent) { r.onSub(m, v) })
		d.OnOtherEvent(func(_ context.Context, m *neuro.Event, v *neuro.OtherEvent) { r.onSub(m, v) })
		d.OnAddSuccess(func(_ context.Context, m *neuro.AddSuccess) { r.onTop(m) })
		d.OnRemoveSuccess(func(_ context.Context, m *neuro.RemoveSuccess) { r.onTop(m) })
		d.OnListEventsResult(func(_ context.Context, m *neuro.ListEventsResult) { r.onTop(m) })
		d.OnPong(func(_ context.Context, m *neuro.Pong) { r.onTop(m) })
		d.OnAuthSuccess(func(_ context.Context, m *neuro.AuthSuccess) { r.onTop(m) })
		d.OnInvalid(func(_ context.Context, m *neuro.Invalid) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(neuro.ServerMessage)) }
}

// neuroClientDispatcher returns a new neuro.ClientDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func neuroClientDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &neuro.ClientDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m neuro.ClientMessage) { r.onUnhandled(m) })
	if full {
		d.OnAddEvent(func(_ context.Context, m *neuro.AddEvent) { r.onTop(m) })
		d.OnRemoveEvent(func(_ context.Context, m *neuro.RemoveEvent) { r.onTop(m) })
		d.OnListEventsRequest(func(_ context.Context, m *neuro.ListEventsRequest) { r.onTop(m) })
		d.OnPing(func(_ context.Context, m *neuro.Ping) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(neuro.ClientMessage)) }
}

// octaveServerDispatcher returns a new octave.ServerDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func octaveServerDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &octave.ServerDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m octave.ServerMessage) { r.onUnhandled(m) })
	if full {
		d.OnAck(func(_ context.Context, m *octave.Ack) { r.onTop(m) })
		d.OnEventMessage(func(_ context.Context, m *octave.EventMessage) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(octave.ServerMessage)) }
}

// octaveClientDispatcher returns a new octave.ClientDispatcher and its Dispatch; with full
// set every typed handler is registered, else only OnUnknown and OnUnhandled.
func octaveClientDispatcher(r *recorder, full bool) (any, func(context.Context, wire.Message)) {
	d := &octave.ClientDispatcher{}
	d.OnUnknown(r.onUnknown)
	d.OnUnhandled(func(_ context.Context, m octave.ClientMessage) { r.onUnhandled(m) })
	if full {
		d.OnSubscribeByStreamID(func(_ context.Context, m *octave.SubscribeByStreamID) { r.onTop(m) })
		d.OnSubscribeByPath(func(_ context.Context, m *octave.SubscribeByPath) { r.onTop(m) })
		d.OnUnsubscribeByStreamID(func(_ context.Context, m *octave.UnsubscribeByStreamID) { r.onTop(m) })
		d.OnUnsubscribeByPath(func(_ context.Context, m *octave.UnsubscribeByPath) { r.onTop(m) })
	}
	return d, func(ctx context.Context, m wire.Message) { d.Dispatch(ctx, m.(octave.ClientMessage)) }
}
