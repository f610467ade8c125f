using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Ootd.Grains.Users;

/// <summary>Passes each account deletion on to the subscribed gateways (see <see cref="IAccountDeletionsGrain"/>); keeps nothing.</summary>
public sealed class AccountDeletionsGrain(ILogger<AccountDeletionsGrain> logger) : Grain, IAccountDeletionsGrain
{
    private readonly ObserverManager<IAccountDeletionObserver> _observers = new(IAccountDeletionsGrain.ObserverTtl, logger);

    public Task Subscribe(IAccountDeletionObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IAccountDeletionObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Deleted(Guid userId) => _observers.Notify(o => o.AccountDeleted(userId));
}
