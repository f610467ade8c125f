namespace Ootd.Grains.Users;

/// <summary>
/// Tells the gateways which accounts were just deleted, so a gateway that remembers "this token's user is live" for
/// a while (<c>Auth:AccountCheckSeconds</c>) forgets it at once. One grain (key 0); the user grain reports each
/// deletion after writing its tombstone; gateways subscribe an observer and renew it (subscriptions expire).
/// Nothing is stored: a gateway that was not subscribed at the moment of a deletion learns it by asking the user grain
/// again when its remembered answer runs out.
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface IAccountDeletionsGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    /// <summary>Subscribes (or renews) an observer; subscriptions expire unless renewed within <see cref="ObserverTtl"/>.</summary>
    Task Subscribe(IAccountDeletionObserver observer);

    Task Unsubscribe(IAccountDeletionObserver observer);

    /// <summary>The user's account was deleted (its tombstone is written): every subscribed gateway hears it.</summary>
    Task Deleted(Guid userId);

    /// <summary>How long a subscription lives without renewal.</summary>
    public static readonly TimeSpan ObserverTtl = TimeSpan.FromMinutes(2);
}

/// <summary>A gateway's ear for account deletions (<see cref="IAccountDeletionsGrain"/>).</summary>
public interface IAccountDeletionObserver : IGrainObserver
{
    [Orleans.Concurrency.OneWay]
    Task AccountDeleted(Guid userId);
}
