// SPDX-License-Identifier: MIT
#pragma once

#include "serverendpoint.h"

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Asks where to connect and as whom. It stays open while the connection is
// attempted so that "name taken" or "connection refused" appear right where
// the user can fix them; the last values that worked are remembered.
class ConnectDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Field {
        Host,
        Port,
        Name,
        Password,
    };

    explicit ConnectDialog(QWidget *parent = nullptr);

    // host: one server, or several to fail over between ("a:5050, b"); port
    // is the port of those that name none.
    void setValues(const QString &host, quint16 port, const QString &name);
    QString host() const;
    quint16 port() const;
    // host() read as a list; empty when it cannot be (validationError() says why).
    QList<ServerEndpoint> servers() const;
    QString name() const; // trimmed and normalised as the server will see it
    // Accounts: empty joins as a guest. Never saved in the settings; the
    // keyring keeps it when rememberPassword() (MainWindow does that).
    QString password() const;
    void setPassword(const QString &password);
    bool createAccount() const;
    bool rememberPassword() const;
    // "Use TLS": remembered like the fields; ticking it moves the default port
    // to the TLS one and back.
    bool tls() const;
    void setTls(bool enabled);
    // How long a server of the list has to answer before the next is tried,
    // remembered like the fields.
    int connectTimeoutMs() const;
    void setConnectTimeoutMs(int ms);

    // Why the values cannot be used as they are, or an empty string.
    QString validationError(Field *field = nullptr) const;

    // While busy the fields are locked and the dialog says it is connecting.
    void setBusy(bool busy);
    bool isBusy() const { return m_busy; }
    // While busy: which server of the list is being tried now.
    void showConnecting(const QString &server);
    void showError(const QString &text, Field field);
    QString errorText() const;
    // The attempt worked: remember the values and close.
    void succeed();

    // The last values that worked, or the defaults (127.0.0.1, 5050, the login name).
    static void loadRemembered(QString *host, quint16 *port, QString *name);
    static void remember(const QString &host, quint16 port, const QString &name);
    static bool rememberedTls();
    static void rememberTls(bool enabled);
    static int rememberedConnectTimeoutMs(); // ChatClient's default when none is
    static void rememberConnectTimeout(int ms);

    QLineEdit *hostEdit() const { return m_host; }
    QSpinBox *portEdit() const { return m_port; }
    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *passwordEdit() const { return m_password; }
    QCheckBox *createAccountBox() const { return m_createAccount; }
    QCheckBox *rememberPasswordBox() const { return m_rememberPassword; }
    QCheckBox *tlsBox() const { return m_tls; }
    QDoubleSpinBox *connectTimeoutEdit() const { return m_connectTimeout; }
    QDialogButtonBox *buttons() const { return m_buttons; }

Q_SIGNALS:
    void connectRequested(const QString &host, quint16 port, const QString &name);

public Q_SLOTS:
    void accept() override;

private:
    void updateButtons();
    void setMessage(const QString &text, bool error);
    QWidget *widgetFor(Field field) const;

    QLineEdit *m_host;
    QSpinBox *m_port;
    QLineEdit *m_name;
    QLineEdit *m_password;
    QCheckBox *m_createAccount;
    QCheckBox *m_rememberPassword;
    QCheckBox *m_tls;
    QDoubleSpinBox *m_connectTimeout;
    QLabel *m_message;
    QDialogButtonBox *m_buttons;
    bool m_busy = false;
    bool m_showingError = false;
};
