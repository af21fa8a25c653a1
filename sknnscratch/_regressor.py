"""ScratchMLPRegressor: the scikit-learn regressor around the hand-written network.

The same network as the classifier's, with an identity output and the
squared error (``loss='squared_error'``) or an exponential output and the
Poisson deviance (``loss='poisson'``): its parameters, the validation of its
numeric targets (``_regression_targets.py``) and its predictions. Training,
committing and the outputs are shared with the classifier in ``_estimator.py``.
"""

from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from sknnscratch._activations import OUTPUT_OF_LOSS, OUTPUT_PROBA
from sknnscratch._array_api import DeviceRegressorMixin, training_inputs
from sknnscratch._callbacks import with_callbacks
from sknnscratch._estimator import CALLER, BaseScratchMLP
from sknnscratch._regression_targets import (
    validate_regression_data,
    validate_regression_validation_data,
)


class ScratchMLPRegressor(DeviceRegressorMixin, BaseScratchMLP):
    r"""Multi-layer perceptron regressor with a hand-written numpy network.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`:
    the same parameters, with the same names, meanings and validation, plus
    ``scoring``, and the same fitted attributes. The network is
    :class:`ScratchMLPClassifier`'s, with an identity output unit per target
    column and half the squared error as the loss, so that the output error
    is ``y_hat - y`` as for the classifier (the derivation's section 7.5,
    and the line tagged (L4) in ``sknnscratch/_network.py``); the backward
    pass, the optimisers, ``solver='auto'``, early stopping, warm starts,
    interrupts and persistence are the classifier's.

    Standardise the target as well as the inputs: wrap the model in
    ``TransformedTargetRegressor(regressor=..., transformer=StandardScaler())``
    (see ``alpha`` for why, and the Examples). Like MLPRegressor, the
    estimator itself does not rescale ``y``: its losses and weights are
    those of the network trained on the ``y`` it is given.

    With ``loss='poisson'`` the output is ``y_hat = exp(z)`` (a log link)
    and the loss half the Poisson deviance, for counts and other
    non-negative targets, as MLPRegressor's ``loss='poisson'``; the output
    error is ``y_hat - y`` again (see ``loss``).

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(32,)
        The ith element is the number of units in the ith hidden layer. An
        empty tuple gives a network without hidden layer (linear regression
        with an L2 penalty). MLPRegressor's default is ``(100,)``. 32 was
        chosen with ``alpha`` by ``benchmarks/regression_defaults.py`` on a
        panel of 7 regression data sets (diabetes, Friedman 1 to 3, a noisy
        sine, 3 linear targets at once, Student-t noise; its results are in
        ``benchmarks/results/``), as the narrowest of 8, 16, 32 and 64 units
        whose best mean R^2 was within 0.01 of the best: 8 ReLU units often
        settle on an almost linear fit of data with few features (the sine's
        one, a two-feature ripple on which nothing was chosen), where 32 do
        not, and 64 gained nothing more.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss and output function, as in MLPRegressor (keyword-only here,
        where MLPRegressor takes it first):

        - 'squared_error': the identity output ``y_hat = z`` and half the
          squared error, ``loss_i = sum_k (y_hat - y)^2 / 2``;
        - 'poisson': the exponential output ``y_hat = exp(z)`` (the log link;
          ``out_activation_ = 'exp'``) and half the Poisson deviance,
          ``loss_i = sum_k (y_hat - y - y log(y_hat / y))`` with
          ``y log y = 0`` at ``y = 0``: MLPRegressor's value. Its derivative
          in ``z`` is ``y_hat - y``, the same output error as the squared
          error's: the backward pass is unchanged. The targets must be
          non-negative, and each column's (weighted) sum positive in
          ``fit`` (``partial_fit`` accepts a batch of zeros); logits are
          clipped to ``+-log`` of the largest float before ``exp``, so
          predictions and losses stay finite.

    solver : {'auto', 'lbfgs', 'sgd', 'adam'}, default='auto'
        The optimiser. 'lbfgs' (scipy's L-BFGS-B) works on the full training
        set and converges fast and reliably on small and medium data; 'sgd'
        and 'adam' take minibatch steps, scale to large data, and are the
        ones ``partial_fit`` and ``early_stopping`` need. 'auto' chooses per
        call, as :class:`ScratchMLPClassifier`: 'lbfgs' for ``fit`` while
        rows times parameters stay within 10 million (26 000 rows for the
        default network on 10 features), 'adam' for ``partial_fit``, with
        ``early_stopping=True`` or on larger problems; the choice is
        recorded in ``solver_``. A parameter set away from its default that
        the call's solver does not use is named in a warning.
        MLPRegressor's default is 'adam', which on a few hundred rows stops
        at ``max_iter`` before it has converged.

    alpha : float, default=2.0
        Strength of the L2 penalty. The training objective is
        ``J = sum(s_i * loss_i) / S + alpha / (2 S) * sum ||W||^2`` with
        ``loss_i = sum_k (y_hat_ik - y_ik)^2 / 2`` (summed over the target
        columns), ``s_i`` the sample weights and ``S`` their sum (the number
        of samples without weights), the classifier's convention: the
        penalty's effect fades as the data grows, and a minibatch keeps the
        whole training set's ``S`` in the penalty.

        The squared error grows with the square of the target's scale, the
        penalty does not: on a raw target of standard deviation 400 any
        ``alpha`` is negligible, on one of 0.3 the same value is strong. So
        the estimator is meant to learn a standardised target, through
        ``TransformedTargetRegressor(transformer=StandardScaler())``, which
        scikit-learn users know, rather than by rescaling ``y`` inside
        (which MLPRegressor does not do either). On the panel of
        ``benchmarks/regression_defaults.py`` the standardised target raised
        the defaults' R^2 on every data set, by 0.004 (friedman2) to 0.97
        (diabetes, whose raw target, of standard deviation 77, the defaults
        fit to an R^2 of -0.57, stopping at ``max_iter``); the table is on
        the documentation's regression page.

        2.0 was chosen on that panel, the target standardised, as the best
        ``alpha`` of the 32-unit network among 10 values from 0.001 to 30:
        its mean R^2 over the 7 data sets was 0.82, against 0.63 for
        ``RidgeCV()``, 0.82 for ``HistGradientBoostingRegressor()`` and 0.77
        for ``MLPRegressor()`` on the standardised target (0.12 on the raw
        one, where Adam's 200 epochs do not reach targets in the hundreds).
        No fixed value suits every data set: the noisy diabetes data wants
        10 (the defaults score 0.40 there, ``RidgeCV()`` 0.49), the sine 0.1
        or less (0.70 against 0.84): :class:`ScratchMLPRegressorCV` chooses
        it by cross-validation. MLPRegressor's default is 0.0001.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' means
        ``min(200, n_samples)``. Not used by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of ``solver='sgd'``:

        - 'constant': always ``learning_rate_init``;
        - 'invscaling': ``learning_rate_init / (t + 1) ** power_t`` after each
          epoch, ``t`` being the number of samples seen;
        - 'adaptive': divided by 5 each time ``n_iter_no_change`` epochs in a
          row fail to improve by ``tol``; training stops once it is below 1e-6.

    learning_rate_init : float, default=0.001
        The initial learning rate of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=3000
        Maximum number of iterations: epochs for 'sgd' and 'adam', L-BFGS
        iterations for 'lbfgs'. MLPRegressor's default is 200, too few for
        L-BFGS to converge with the other defaults (the defaults took up to
        2033 iterations on the panel above, the target standardised); the
        stochastic solvers usually stop long before, when the loss stops
        improving (``n_iter_no_change``).

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch ('sgd' and 'adam').

    random_state : int, RandomState instance or None, default=None
        Seeds the one random number generator behind the initial weights,
        the shuffling and the early-stopping split. Pass an int for
        reproducible results. The same seed starts from MLPRegressor's
        initial weights.

    tol : float, default=1e-4
        Tolerance. For 'lbfgs' the largest gradient entry at convergence; for
        'sgd' and 'adam', training stops (or the 'adaptive' rate drops) when
        the loss (or validation score) fails to improve by ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Whether to print MLPRegressor's line ``Iteration N, loss = ...``
        after every iteration, and with early stopping the validation loss
        and score of every epoch.

    warm_start : bool, default=False
        When True and the model is fitted, ``fit`` resumes training instead
        of starting anew, as in :class:`ScratchMLPClassifier`: the weights,
        the optimiser's state (while ``solver`` and its settings are
        unchanged), the shuffling stream, the early-stopping split and the
        recorded curves. ``y`` must have the target columns of the first fit.

    momentum : float, default=0.9
        Momentum of 'sgd', in ``[0, 1]``.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether ``fit`` with 'sgd' or 'adam' sets aside ``validation_fraction``
        of the training data and stops when its score (see ``scoring``) fails
        to improve by ``tol`` for ``n_iter_no_change`` epochs; the weights of
        the best epoch are restored at the end. With ``solver='auto'`` it
        makes ``fit`` use 'adam'; 'lbfgs' and ``partial_fit`` cannot use it
        and say so in a warning.

    validation_fraction : float, default=0.1
        Share of the training weight set aside for early stopping.
        Identical rows fall on the same side, so integer weights still mean
        repeated rows.

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimates, in ``[0, 1)``.

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimates, in ``[0, 1)``.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without improvement by ``tol`` before stopping
        ('sgd' and 'adam').

    max_fun : int, default=15000
        Maximum number of objective evaluations of 'lbfgs'.

    scoring : str, callable or None, default=None
        What early stopping watches on the validation set:

        - None: R^2 (averaged uniformly over the target columns),
          MLPRegressor's rule;
        - 'loss': minus the validation loss (the squared error or the half
          Poisson deviance, weighted, without the L2 term);
        - any scikit-learn scorer name ('neg_mean_absolute_error',
          'neg_root_mean_squared_error'...) or a callable
          ``scorer(estimator, X, y)``.

        Higher is better. Used only with ``early_stopping=True``. Not in
        MLPRegressor.

    Attributes
    ----------
    loss_ : float
        The training objective (the loss plus L2 penalty) at the end of
        training; for 'sgd' and 'adam', the average over the last epoch.
        With several target columns it sums their squared errors, where
        MLPRegressor reports their mean (their Poisson deviances it sums
        too).

    best_loss_ : float or None
        The lowest training objective reached; None with ``early_stopping``.

    loss_curve_ : list of float
        The training objective after each iteration (also for 'lbfgs', where
        MLPRegressor records none).

    validation_scores_ : list of float or None
        The validation score (see ``scoring``) after each epoch with
        ``early_stopping``, otherwise None.

    validation_loss_curve_ : list of float or None
        The validation loss (weighted, without the L2 term) after
        each epoch with ``early_stopping``, otherwise None.

    best_validation_score_ : float or None
        The best validation score with ``early_stopping``, otherwise None.

    history_ : list of dict
        One dict per epoch (or L-BFGS iteration) since the last cold fit:
        ``epoch``, ``train_loss``, ``validation_loss``, ``validation_score``,
        ``learning_rate`` and ``seconds``, as in
        :class:`ScratchMLPClassifier`.

    t_ : int
        The number of training samples the solver has processed.

    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix from layer i to layer i + 1, of
        shape ``(fan_in, fan_out)``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when they are all strings.

    n_iter_ : int
        The number of iterations the solver ran in the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs: the target's columns.

    out_activation_ : str
        The output function: 'identity', or 'exp' with ``loss='poisson'``.

    solver_ : {'lbfgs', 'sgd', 'adam'}
        The solver the last call trained with (``solver='auto'`` chooses).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : scikit-learn's MLP regressor.
    sklearn.compose.TransformedTargetRegressor : standardises the target.
    ScratchMLPRegressorCV : this regressor with ``alpha`` chosen by
        cross-validation.
    ScratchMLPClassifier : the same network for classification.

    Notes
    -----
    Training minimises the objective :math:`J = L + R`: the weighted mean
    of the rows' halved squared errors and the L2 penalty of the weight
    matrices (the biases are not penalised),

    .. math::

        J = \frac{1}{S} \sum_{i} s_i \, \frac{1}{2} \lVert \hat y_i - y_i \rVert^2
            + \frac{\alpha}{2 S} \sum_{l} \lVert W_l \rVert^2 ,

    where :math:`s_i` is the weight of row :math:`i` (1 without
    ``sample_weight``) and :math:`S = \sum_i s_i`. Its output error is
    :math:`\partial J / \partial z = (\hat y - y)\, s_i / S`, as for the
    classifier: the half cancels the square's 2, and the identity output's
    slope is 1. With one target column this is MLPRegressor's loss; with
    several, MLPRegressor reports the mean over the columns but follows the
    gradient of this sum.

    Examples
    --------
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknnscratch import ScratchMLPRegressor
    >>> X, y = make_friedman1(n_samples=300, noise=1.0, random_state=0)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     TransformedTargetRegressor(
    ...         regressor=ScratchMLPRegressor(random_state=0),
    ...         transformer=StandardScaler(),
    ...     ),
    ... )
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    """

    _target_kind = "values"

    _parameter_constraints: dict = {
        **BaseScratchMLP._parameter_constraints,
        "loss": [StrOptions(set(OUTPUT_OF_LOSS))],
    }

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="relu",
        *,
        loss="squared_error",
        solver="auto",
        alpha=2.0,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=3000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        scoring=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.scoring = scoring

    @with_callbacks
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the network to the training data.

        With ``warm_start=True`` and a fitted model, training continues from
        the current weights and optimiser state; ``y`` must then have the
        target columns of the first fit. If ``fit`` raises, the estimator is
        left exactly as it was. A KeyboardInterrupt ends training after the
        last completed epoch or L-BFGS iteration, keeping that model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input. float32 input trains a float32 network.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each sample's loss counts in proportion.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set for early stopping instead of the
            ``validation_fraction`` split (needs ``y_val`` and
            ``early_stopping=True``).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            The targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the rows of ``X_val``.

        Returns
        -------
        self : ScratchMLPRegressor
            The fitted estimator.
        """
        self._validate_params()
        return self._train(
            X,
            y,
            sample_weight,
            incremental=False,
            validation=(X_val, y_val, sample_weight_val),
        )

    @available_if(BaseScratchMLP._is_stochastic)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over the given data ('sgd' and 'adam' only).

        Continues from the current weights and optimiser state; all or
        nothing: if it raises, the estimator is left exactly as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values, with the columns of the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : ScratchMLPRegressor
            The updated estimator.
        """
        self._check_partial_fit_params()
        return self._train(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Non-negative targets for the Poisson deviance (scikit-learn's checks
        # then draw them so, as for PoissonRegressor).
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags

    def _is_fitted(self):
        return hasattr(self, "coefs_") and hasattr(self, "n_outputs_")

    def _train(
        self, X, y, sample_weight, *, incremental, validation=None, stacklevel=CALLER
    ):
        """Validate the call's data, then train on it (see ``_train_validated``)."""
        resume = self._is_fitted() and (incremental or self.warm_start)
        placement, X, y, sample_weight = training_inputs(X, y, sample_weight)
        validation = training_inputs(*(validation or (None, None, None)))[1:]
        if resume and self.out_activation_ != OUTPUT_OF_LOSS[self.loss]:
            raise ValueError(
                f"This model was fitted with the output {self.out_activation_!r}, "
                f"but loss={self.loss!r} needs {OUTPUT_OF_LOSS[self.loss]!r}: a "
                "model continues with the loss it was trained on. Fit anew "
                "(warm_start=False) to change the loss."
            )
        data = validate_regression_data(
            self,
            X,
            y,
            sample_weight,
            n_outputs=self.n_outputs_ if resume else None,
            incremental=incremental,
        )
        data.placement = placement
        validation_data = validate_regression_validation_data(self, data, *validation)
        return self._train_validated(
            data, validation_data, incremental=incremental, stacklevel=stacklevel
        )

    def _target_attributes(self, data):
        return {}

    def predict(self, X):
        """Predict the target values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values: 1-D for a model with one output, as
            MLPRegressor's. ``exp`` of the output logits with
            ``loss='poisson'`` (always finite and non-negative).
        """
        Z = self._logits(X, "predict")  # checks that the model is fitted
        Y = OUTPUT_PROBA[self.out_activation_](Z)
        return Y[:, 0] if Y.shape[1] == 1 else Y
